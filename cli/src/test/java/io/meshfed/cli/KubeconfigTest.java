package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin's kubeconfig loading chooses what Fabric8's own autoConfigure chooses, file by file.
 */
class KubeconfigTest {
  @TempDir Path dir;
  String saved;

  @BeforeEach
  void remember() {
    saved = System.getProperty("kubeconfig");
  }

  @AfterEach
  void restore() {
    if (saved == null) {
      System.clearProperty("kubeconfig");
    } else {
      System.setProperty("kubeconfig", saved);
    }
  }

  @Test
  void mergesEveryFileOfKubeconfigAndResolvesPathsAgainstTheFileThatNamesThem() throws Exception {
    Path first =
        write(
            "a/config",
            """
        apiVersion: v1
        kind: Config
        current-context: dev
        clusters:
        - name: dev
          cluster: {server: "https://198.18.0.1:6443", certificate-authority: ca.crt}
        contexts:
        - name: dev
          context: {cluster: dev, user: dev, namespace: team}
        users:
        - name: dev
          user: {token: dev-token}
        """);
    Path second =
        write(
            "b/config",
            """
        apiVersion: v1
        kind: Config
        current-context: prod
        clusters:
        - name: prod
          cluster:
            server: "https://198.18.0.2:6443"
            certificate-authority: certs/ca.crt
            extensions:
            - name: client.authentication.k8s.io/exec
              extension: {audience: mesh}
        - name: dev
          cluster: {server: "https://198.18.0.99:6443"}
        contexts:
        - name: prod
          context: {cluster: prod, user: admin}
        users:
        - name: admin
          user: {client-certificate: certs/admin.crt, client-key: certs/admin.key}
        """);
    System.setProperty("kubeconfig", first + File.pathSeparator + second);

    Config dev = Kubeconfig.load(null, null);
    assertThat(dev.getCurrentContext().getName())
        .as("the first file's current context wins")
        .isEqualTo("dev");
    assertThat(dev.getMasterUrl())
        .as("the first file's cluster of that name wins")
        .startsWith("https://198.18.0.1:6443");
    assertThat(dev.getCaCertFile()).isEqualTo(first.resolveSibling("ca.crt").toString());
    assertThat(dev.getNamespace()).isEqualTo("team");
    assertThat(dev.getAutoOAuthToken()).isEqualTo("dev-token");

    Config prod = Kubeconfig.load(null, "prod");
    assertThat(prod.getMasterUrl()).startsWith("https://198.18.0.2:6443");
    assertThat(prod.getCaCertFile()).isEqualTo(second.resolveSibling("certs/ca.crt").toString());
    assertThat(prod.getClientCertFile())
        .isEqualTo(second.resolveSibling("certs/admin.crt").toString());
    assertThat(prod.getClientKeyFile())
        .isEqualTo(second.resolveSibling("certs/admin.key").toString());
    assertThat(prod.getFile()).isEqualTo(second.toFile());

    for (String context : Arrays.asList(null, "dev", "prod")) {
      assertSameChoices(Kubeconfig.load(null, context), Config.autoConfigure(context));
    }
  }

  @Test
  void anExecPluginGivesItsTokenAsWithFabric8() throws Exception {
    Path file =
        write(
            "exec/config",
            """
        apiVersion: v1
        kind: Config
        current-context: cloud
        clusters:
        - name: cloud
          cluster: {server: "https://198.18.0.3:6443"}
        contexts:
        - name: cloud
          context: {cluster: cloud, user: sso}
        users:
        - name: sso
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1
              command: sh
              args: ["-c", "echo '{\\"apiVersion\\":\\"client.authentication.k8s.io/v1\\",\\"kind\\":\\"ExecCredential\\",\\"status\\":{\\"token\\":\\"from-exec\\"}}'"]
        """);

    Config config = Kubeconfig.load(file, null);

    assertThat(config.getAutoOAuthToken()).isEqualTo("from-exec");
    System.setProperty("kubeconfig", file.toString());
    assertSameChoices(config, Config.autoConfigure(null));
  }

  @Test
  void aContextTheFilesDoNotHaveIsAnError() throws Exception {
    Path file =
        write(
            "one/config",
            """
        apiVersion: v1
        kind: Config
        current-context: dev
        clusters: [{name: dev, cluster: {server: "https://198.18.0.1:6443"}}]
        contexts: [{name: dev, context: {cluster: dev, user: dev}}]
        users: [{name: dev, user: {token: t}}]
        """);

    assertThatThrownBy(() -> Kubeconfig.load(file, "staging"))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("no context staging")
        .hasMessageContaining("kubectl config get-contexts");
  }

  @Test
  void aFileThatIsNotAKubeconfigSaysWhich() throws Exception {
    Path file = write("bad/config", "clusters: [unclosed\n");

    assertThatThrownBy(() -> Kubeconfig.load(file, null))
        .hasMessageContaining(file + " is not a kubeconfig");
    Path empty = write("empty/config", "\n");
    assertThatThrownBy(() -> Kubeconfig.load(empty, null))
        .hasMessageContaining(empty + " is empty");
  }

  @Test
  void extensionsStayPlainMaps() throws Exception {
    Path file =
        write(
            "ext/config",
            """
        apiVersion: v1
        kind: Config
        current-context: dev
        clusters: [{name: dev, cluster: {server: "https://198.18.0.1:6443"}}]
        contexts:
        - name: dev
          context:
            cluster: dev
            user: dev
            extensions: [{name: meshfed.io/cluster, extension: {cluster: prod, replicas: 3}}]
        users: [{name: dev, user: {token: t}}]
        """);

    Config config = Kubeconfig.load(file, null);

    Object extension =
        config.getCurrentContext().getContext().getExtensions().get(0).getExtension();
    assertThat(extension).isEqualTo(Map.of("cluster", "prod", "replicas", 3));
  }

  private Path write(String name, String text) throws Exception {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    return Files.writeString(file, text);
  }

  private static void assertSameChoices(Config ours, Config fabric8) {
    List<Function<Config, Object>> choices =
        List.of(
            Config::getMasterUrl,
            Config::getNamespace,
            c -> c.getCurrentContext().getName(),
            Config::getCaCertFile,
            Config::getCaCertData,
            Config::getClientCertFile,
            Config::getClientCertData,
            Config::getClientKeyFile,
            Config::getClientKeyData,
            Config::getClientKeyAlgo,
            Config::getAutoOAuthToken,
            Config::getOauthToken,
            Config::getUsername,
            Config::getPassword,
            Config::isTrustCerts,
            Config::getHttpsProxy,
            Config::getFile);
    for (var choice : choices) {
      assertThat(choice.apply(ours)).isEqualTo(choice.apply(fabric8));
    }
  }
}
