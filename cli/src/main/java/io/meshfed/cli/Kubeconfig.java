package io.meshfed.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.NamedExtension;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.internal.KubeConfigUtils;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The user's kubeconfig and context, chosen as kubectl chooses them ({@code --kubeconfig}, else
 * every file of {@code KUBECONFIG}, else {@code ~/.kube/config}; {@code --context}, else the
 * current context). Files are parsed with plain Jackson YAML into Fabric8's kubeconfig model;
 * merging, the context and every kind of credential (tokens, certificates, exec plugins, auth
 * providers) stay Fabric8's ({@link KubeConfigUtils#merge}), so the plugin authenticates as Fabric8
 * clients do. Why not {@link Config#autoConfigure}: it parses through Fabric8's
 * KubernetesSerialization, whose first use registers every Kubernetes kind the model knows — a
 * third of a {@code describe} (bench/RESULTS.md, decision 0010).
 */
final class Kubeconfig {
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
          .addMixIn(NamedExtension.class, PlainExtension.class);
  // KubeConfigUtils.parseConfig tags each entry with its file, so merge resolves relative paths
  // (certificate files, exec commands) against the file that named them; same keys here
  private static final String CONTEXT_FILE = "KUBERNETES_CONFIG_CONTEXT_FILE_KEY";
  private static final String CLUSTER_FILE = "KUBERNETES_CONFIG_CLUSTER_FILE_KEY";
  private static final String USER_FILE = "KUBERNETES_CONFIG_AUTH_INFO_FILE_KEY";

  private Kubeconfig() {}

  /**
   * Extensions stay plain maps: the model's own deserializer for them is the one that registers
   * every kind.
   */
  private abstract static class PlainExtension {
    @JsonDeserialize(using = JsonDeserializer.None.class)
    Object extension;

    @JsonDeserialize(using = JsonDeserializer.None.class)
    abstract void setExtension(Object extension);
  }

  /**
   * The client config for {@code explicitFile} (or the usual files) and {@code context} (or the
   * current one). With no kubeconfig at all (in a pod), Fabric8's own discovery: the service
   * account.
   */
  static Config load(Path explicitFile, String context) throws IOException {
    List<File> files =
        explicitFile != null
            ? List.of(explicitFile.toFile())
            : Config.getKubeconfigFilenames().stream()
                .map(File::new)
                .filter(f -> f.isFile() && f.length() > 0)
                .toList();
    if (files.isEmpty()) {
      return Config.autoConfigure(context);
    }
    io.fabric8.kubernetes.api.model.Config[] parsed =
        new io.fabric8.kubernetes.api.model.Config[files.size()];
    for (int i = 0; i < parsed.length; i++) {
      parsed[i] = parse(files.get(i));
    }
    Config config = Config.empty();
    KubeConfigUtils.merge(config, context, parsed);
    if (context != null
        && (config.getCurrentContext() == null
            || !context.equals(config.getCurrentContext().getName()))) {
      throw new KubernetesClientException(
          "no context " + context + " in " + files + " (kubectl config get-contexts lists them)");
    }
    Config.configFromSysPropsOrEnvVars(config);
    // on a 401 Fabric8 reads the same files again for a fresh token (the context remembers its
    // file)
    config.setAutoConfigure(explicitFile == null);
    return config;
  }

  private static io.fabric8.kubernetes.api.model.Config parse(File file) throws IOException {
    String text = Files.readString(file.toPath());
    if (text.isBlank()) {
      throw new IOException(file + " is empty");
    }
    io.fabric8.kubernetes.api.model.Config config;
    try {
      config = YAML.readValue(text, io.fabric8.kubernetes.api.model.Config.class);
    } catch (IOException e) {
      throw new IOException(file + " is not a kubeconfig: " + e.getMessage(), e);
    }
    if (config.getContexts() != null) {
      config.getContexts().forEach(c -> c.getAdditionalProperties().put(CONTEXT_FILE, file));
    }
    if (config.getClusters() != null) {
      config.getClusters().forEach(c -> c.getAdditionalProperties().put(CLUSTER_FILE, file));
    }
    if (config.getUsers() != null) {
      config.getUsers().forEach(u -> u.getAdditionalProperties().put(USER_FILE, file));
    }
    return config;
  }
}
