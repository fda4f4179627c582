package io.meshfed.e2e;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Operator replicas as the chart's Deployment makes them, without a kubelet: each a pod object (the
 * leader labels it serving for the agent API Service) and the built operator as a local process
 * with leader election on, naming its pod.
 */
public final class OperatorReplicas {
  private OperatorReplicas() {}

  /**
   * Creates the replica's pod in {@code namespace} (where the leader election Lease lives too) and
   * starts it; {@code extra}: more system properties.
   */
  public static OperatorProcess start(
      KubernetesClient client,
      Path jar,
      Path kubeconfig,
      Path log,
      String namespace,
      String identity,
      Map<String, String> extra)
      throws IOException {
    client
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withNamespace(namespace)
                .withName(identity)
                .addToLabels("app.kubernetes.io/name", "meshfed")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("operator")
                .withImage("ghcr.io/meshfed/meshfed-operator:0.1.0")
                .endContainer()
                .endSpec()
                .build())
        .create();
    Map<String, String> properties = new HashMap<>(extra);
    properties.put("meshfed.leader-election.identity", identity);
    properties.put("meshfed.leader-election.pod", identity);
    properties.put("meshfed.leader-election.namespace", namespace);
    return OperatorProcess.start(jar, kubeconfig, log, properties);
  }
}
