package io.meshfed.e2e;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.meshfed.api.crd.CrdInstaller;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

/**
 * A real kube-apiserver and etcd on loopback (the binaries e2e/build-control-plane.sh builds),
 * with meshfed's CRDs installed and a kubeconfig file for kubectl and the operator.
 */
public final class ControlPlane implements AutoCloseable {
  private final KubeAPIServer server;
  private final Path kubeconfig;
  private final KubernetesClient client;
  /** Stops etcd and the API server if this JVM ends first: they must not outlive it. */
  private final Thread reaper;

  private ControlPlane(KubeAPIServer server, Path kubeconfig, KubernetesClient client) {
    this.server = server;
    this.kubeconfig = kubeconfig;
    this.client = client;
    this.reaper = new Thread(server::stop, "control-plane-reaper");
    Runtime.getRuntime().addShutdownHook(reaper);
  }

  public static ControlPlane start(Path workDir, Path crds) throws IOException {
    Files.createDirectories(workDir);
    KubeAPIServer server =
        new KubeAPIServer(
            KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withOfflineMode(true) // built from source, never downloaded
                .withUpdateKubeConfig(false)
                .build());
    server.start();
    try {
      Path kubeconfig = workDir.resolve("kubeconfig");
      Files.writeString(kubeconfig, server.getKubeConfigYaml());
      Files.setPosixFilePermissions(kubeconfig, PosixFilePermissions.fromString("rw-------"));
      KubernetesClient client =
          new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(server.getKubeConfigYaml())).build();
      CrdInstaller.install(client, crds);
      return new ControlPlane(server, kubeconfig, client);
    } catch (IOException | RuntimeException e) {
      server.stop();
      throw e;
    }
  }

  public KubernetesClient client() {
    return client;
  }

  public Path kubeconfig() {
    return kubeconfig;
  }

  /** The kubectl built beside the API server. */
  public static Path kubectl() throws IOException {
    Path versions = Path.of(System.getProperty("user.home"), ".kubeapitest", "k8s");
    try (Stream<Path> dirs = Files.list(versions)) {
      return dirs.map(d -> d.resolve("kubectl")).filter(Files::isExecutable).sorted().reduce((a, b) -> b)
          .orElseThrow(() -> new IOException("no kubectl under " + versions + ": run e2e/build-control-plane.sh"));
    }
  }

  @Override
  public void close() {
    client.close();
    server.stop();
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
  }
}
