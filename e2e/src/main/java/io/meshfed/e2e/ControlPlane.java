package io.meshfed.e2e;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.meshfed.api.crd.CrdInstaller;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * A real kube-apiserver and etcd on loopback (the binaries e2e/build-control-plane.sh builds), with
 * meshfed's CRDs installed and a kubeconfig file for kubectl and the operator.
 */
public final class ControlPlane implements AutoCloseable {
  private final KubeAPIServer server;
  private final Path kubeconfig;
  private final KubernetesClient client;

  private ControlPlane(KubeAPIServer server, Path kubeconfig, KubernetesClient client) {
    this.server = server;
    this.kubeconfig = kubeconfig;
    this.client = client;
    // etcd and the API server must not outlive this JVM
    Reaper.register(this);
  }

  public static ControlPlane start(Path workDir, Path crds) throws IOException {
    Files.createDirectories(workDir);
    KubeAPIServer server =
        new KubeAPIServer(
            KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withOfflineMode(true) // built from source, never downloaded
                .withUpdateKubeConfig(false)
                .build());
    // from the first process on, nothing may outlive this JVM, even if it ends during start()
    AutoCloseable stopServer = server::stop;
    Reaper.register(stopServer);
    server.start();
    try {
      Path kubeconfig = workDir.resolve("kubeconfig");
      Files.writeString(kubeconfig, server.getKubeConfigYaml());
      Files.setPosixFilePermissions(kubeconfig, PosixFilePermissions.fromString("rw-------"));
      KubernetesClient client =
          new KubernetesClientBuilder()
              .withConfig(Config.fromKubeconfig(server.getKubeConfigYaml()))
              .build();
      CrdInstaller.install(client, crds);
      return new ControlPlane(server, kubeconfig, client);
    } catch (IOException | RuntimeException e) {
      server.stop();
      throw e;
    } finally {
      Reaper.unregister(stopServer);
    }
  }

  public KubernetesClient client() {
    return client;
  }

  public Path kubeconfig() {
    return kubeconfig;
  }

  /**
   * A kubeconfig that acts as a ServiceAccount: the admin kubeconfig's server and CA with a token
   * the API server issues for it (an hour), as a pod of that ServiceAccount would have.
   */
  public String kubeconfigOf(String namespace, String serviceAccount) throws IOException {
    String token =
        client
            .serviceAccounts()
            .inNamespace(namespace)
            .withName(serviceAccount)
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(3600L)
                    .endSpec()
                    .build())
            .getStatus()
            .getToken();
    Config admin = client.getConfiguration();
    String ca =
        admin.getCaCertData() != null
            ? admin.getCaCertData()
            : Base64.getEncoder()
                .encodeToString(Files.readAllBytes(Path.of(admin.getCaCertFile())));
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: test
          cluster:
            server: %s
            certificate-authority-data: %s
        users:
        - name: %s
          user:
            token: %s
        contexts:
        - name: %s
          context: {cluster: test, user: %s}
        current-context: %s
        """
        .formatted(
            admin.getMasterUrl(),
            ca,
            serviceAccount,
            token,
            serviceAccount,
            serviceAccount,
            serviceAccount);
  }

  /** The kubectl built beside the API server. */
  public static Path kubectl() throws IOException {
    Path versions = Path.of(System.getProperty("user.home"), ".kubeapitest", "k8s");
    try (Stream<Path> dirs = Files.list(versions)) {
      return dirs.map(d -> d.resolve("kubectl"))
          .filter(Files::isExecutable)
          .sorted()
          .reduce((a, b) -> b)
          .orElseThrow(
              () ->
                  new IOException(
                      "no kubectl under " + versions + ": run e2e/build-control-plane.sh"));
    }
  }

  private final AtomicBoolean stopped = new AtomicBoolean();

  /** close() and the reaper may race when the JVM is told to stop: one of them stops the server. */
  private void stopOnce() {
    if (stopped.compareAndSet(false, true)) {
      client.close();
      server.stop();
    }
  }

  @Override
  public void close() {
    stopOnce();
    Reaper.unregister(this);
  }
}
