package io.meshfed.operator.testing;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.meshfed.api.crd.CrdInstaller;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.awaitility.Awaitility;

/**
 * A real kube-apiserver and etcd for the operator's tests (built by e2e/build-control-plane.sh),
 * with the committed CRDs installed. The operator under test talks to it like to any cluster.
 */
public class KubeApiServerResource implements QuarkusTestResourceLifecycleManager {
  private static final Path CRDS = Path.of("../crds");
  private static KubeAPIServer server;
  private static Config config;

  @Override
  public Map<String, String> start() {
    // awaits poll objects the operator has not written yet: a status still null is "not yet", not
    // a failure (awaitility otherwise stops at the first exception; at the timeout it still
    // reports the last one)
    Awaitility.ignoreExceptionsByDefault();
    server =
        new KubeAPIServer(
            KubeAPIServerConfigBuilder.anAPIServerConfig()
                // the binaries are built from source once per machine; never download
                .withOfflineMode(true)
                .withUpdateKubeConfig(false)
                .build());
    server.start();
    config = Config.fromKubeconfig(server.getKubeConfigYaml());
    try (KubernetesClient client = client()) {
      CrdInstaller.install(client, CRDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> properties = new HashMap<>();
    properties.put("quarkus.kubernetes-client.api-server-url", config.getMasterUrl());
    putIfSet(properties, "quarkus.kubernetes-client.ca-cert-data", config.getCaCertData());
    putIfSet(properties, "quarkus.kubernetes-client.ca-cert-file", config.getCaCertFile());
    putIfSet(properties, "quarkus.kubernetes-client.client-cert-data", config.getClientCertData());
    putIfSet(properties, "quarkus.kubernetes-client.client-cert-file", config.getClientCertFile());
    putIfSet(properties, "quarkus.kubernetes-client.client-key-data", config.getClientKeyData());
    putIfSet(properties, "quarkus.kubernetes-client.client-key-file", config.getClientKeyFile());
    putIfSet(properties, "quarkus.kubernetes-client.client-key-algo", config.getClientKeyAlgo());
    // the agent API's HTTPS port: a free one, known before start so the operator can advertise it
    try (var socket = new ServerSocket(0)) {
      properties.put("quarkus.http.test-ssl-port", Integer.toString(socket.getLocalPort()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return properties;
  }

  private static void putIfSet(Map<String, String> properties, String key, String value) {
    if (value != null) {
      properties.put(key, value);
    }
  }

  @Override
  public void stop() {
    if (server != null) {
      server.stop();
      server = null;
    }
  }

  /** A fresh client of the test API server, as a user (or GitOps) would use. */
  public static KubernetesClient client() {
    return new KubernetesClientBuilder().withConfig(config).build();
  }
}
