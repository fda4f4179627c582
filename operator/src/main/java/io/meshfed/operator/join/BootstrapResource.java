package io.meshfed.operator.join;

import io.meshfed.api.agent.ApiError;
import io.meshfed.operator.config.MeshfedConfig;
import io.meshfed.operator.provider.LocalProviderSettings;
import io.meshfed.operator.server.AgentApiTls;
import io.smallrye.common.annotation.Identifier;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * What a machine needs before it has any credential: the installer, the agent and the CA. All
 * public — the installer accepts the CA only if it matches the hash the user or cloud-init pinned.
 */
@Path("/api/v1")
@Tag(name = "bootstrap", description = "Installing the agent on a machine")
public class BootstrapResource {
  static final String INSTALL_SCRIPT = "bootstrap/install.sh";

  private final AgentApiTls tls;
  private final MeshfedConfig config;

  public BootstrapResource(@Identifier("agent-api") AgentApiTls tls, MeshfedConfig config) {
    this.tls = tls;
    this.config = config;
  }

  @GET
  @Path("/install.sh")
  @Operation(summary = "The agent installer: sh -s -- --server URL --ca-hash sha256:… --token T")
  public Response installScript() {
    return Response.ok(installScriptText(), "text/x-shellscript").build();
  }

  @GET
  @Path("/ca.crt")
  @Operation(
      summary = "The agent API's CA certificate (PEM); trust it only if its hash is the pinned one")
  public Response caCertificate() {
    return Response.ok(tls.caPem(), "application/x-pem-file").build();
  }

  @GET
  @Path("/agent.jar")
  @Operation(summary = "The agent, as the operator's build made it")
  public Response agentJar() {
    java.nio.file.Path jar = LocalProviderSettings.agentJar(config.local());
    if (!Files.isRegularFile(jar)) {
      return Response.status(404)
          .type(MediaType.APPLICATION_JSON)
          .entity(
              new ApiError(
                  "AgentArtifactMissing",
                  "this operator has no agent jar at " + jar + "; set meshfed.local.agent-jar"))
          .build();
    }
    return Response.ok(jar.toFile(), "application/java-archive")
        .header("Content-Disposition", "attachment; filename=meshfed-agent.jar")
        .build();
  }

  @GET
  @Path("/wireguard-go")
  @Operation(
      summary =
          "The current userspace WireGuard build (linux-amd64), for machines whose kernel has no"
              + " WireGuard module; 404 when this operator carries none")
  public Response wireguardGo() {
    // the local provider's build first: where local agents run it, installing hosts get it too
    java.nio.file.Path binary =
        java.nio.file.Path.of(config.local().wireguardGo().orElse(config.agentApi().wireguardGo()));
    if (!Files.isRegularFile(binary)) {
      return Response.status(404)
          .type(MediaType.APPLICATION_JSON)
          .entity(
              new ApiError(
                  "WireGuardGoMissing",
                  "this operator carries no wireguard-go build at "
                      + binary
                      + "; installing machines use their distribution's package"))
          .build();
    }
    return Response.ok(binary.toFile(), MediaType.APPLICATION_OCTET_STREAM)
        .header("Content-Disposition", "attachment; filename=wireguard-go")
        .build();
  }

  /** The installer, as served; also the source of truth for tests and the join command. */
  public static String installScriptText() {
    try (InputStream in =
        BootstrapResource.class.getClassLoader().getResourceAsStream(INSTALL_SCRIPT)) {
      if (in == null) {
        throw new IllegalStateException(
            INSTALL_SCRIPT + " is missing from the operator's resources");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
