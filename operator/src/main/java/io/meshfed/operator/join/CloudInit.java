package io.meshfed.operator.join;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.meshfed.provider.spi.AgentBootstrap;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cloud-init user data that turns a fresh cloud machine into a peer: it writes the agent API's
 * CA, then fetches {@code install.sh} from the agent API (verified against that CA) and runs it
 * with the machine's one-time bootstrap token — the same script a person runs on a host they bring.
 * Pure: the same inputs give the same bytes, so tests validate exactly what the clouds receive.
 */
public final class CloudInit {
  public static final String CA_PATH = "/etc/meshfed/ca.crt";

  /** The bootstrap token, in a file only root reads: runcmd's command lines are world-readable. */
  public static final String TOKEN_PATH = "/etc/meshfed/bootstrap-token";

  /** Serialized by Jackson, never by string concatenation: no value can break the YAML. */
  private static final ObjectMapper YAML =
      new ObjectMapper(
          new YAMLFactory()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE));

  /**
   * Shell of the runcmd entry. Values arrive as positional arguments, not spliced into the text, so
   * a token or URL cannot inject commands.
   */
  static final String INSTALL_COMMAND =
      "curl -fsS --retry 30 --retry-delay 2 --retry-connrefused --cacert "
          + CA_PATH
          + " \"$0/api/v1/install.sh\" | sh -s -- --server \"$0\" --ca-hash \"$1\" --token-file "
          + TOKEN_PATH
          + " --name \"$2\"";

  private CloudInit() {}

  public static String userData(AgentBootstrap bootstrap, String caPem, String peerName) {
    Map<String, Object> config = new LinkedHashMap<>();
    // curl fetches the installer; everything else the installer brings itself
    config.put("packages", List.of("curl", "ca-certificates"));
    config.put("package_update", true);
    config.put(
        "write_files",
        List.of(
            Map.of("path", CA_PATH, "permissions", "0644", "owner", "root:root", "content", caPem),
            Map.of(
                "path",
                TOKEN_PATH,
                "permissions",
                "0600",
                "owner",
                "root:root",
                "content",
                bootstrap.token())));
    config.put(
        "runcmd",
        List.of(
            List.of(
                "sh", "-c", INSTALL_COMMAND, bootstrap.server(), bootstrap.caHash(), peerName)));
    try {
      return "#cloud-config\n" + YAML.writeValueAsString(config);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
