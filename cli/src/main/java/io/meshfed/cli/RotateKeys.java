package io.meshfed.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.Peer;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "rotate-keys",
    mixinStandardHelpOptions = true,
    description = {
      "Asks peers to replace their WireGuard keys: every peer of the cluster, or one.",
      "Each agent makes a new key, proves it to the operator and switches; the other peers get the",
      "new key with their next map. status.keyRotation on each Peer says when it did."
    })
final class RotateKeys implements Callable<Integer> {
  @ParentCommand KubectlMeshfed root;

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "CLUSTER", description = "The MeshCluster's name.")
  String cluster;

  @Option(names = "--peer", description = "Only this peer.")
  String peer;

  /** The request's name: when it was asked, so asking again is a new request. */
  static String requestAt(Instant now) {
    return now.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  @Override
  public Integer call() throws Exception {
    try (KubernetesClient client = root.client()) {
      String namespace = root.namespace(client);
      ClusterSnapshot snapshot = ClusterSnapshot.read(client, namespace, cluster);
      List<Peer> peers =
          snapshot.peers().stream()
              .filter(p -> !p.isMarkedForDeletion())
              .filter(p -> peer == null || p.getMetadata().getName().equals(peer))
              .toList();
      if (peers.isEmpty()) {
        throw new KubectlMeshfed.NotFound(
            peer == null
                ? "cluster " + cluster + " has no peers"
                : "no peer " + peer + " in cluster " + cluster);
      }
      String request = requestAt(Clock.systemUTC().instant());
      String patch =
          client
              .getKubernetesSerialization()
              .asJson(
                  Map.of(
                      "metadata",
                      Map.of("annotations", Map.of(MeshfedApi.ROTATE_KEY_ANNOTATION, request))));
      var out = spec.commandLine().getOut();
      for (Peer p : peers) {
        client
            .resources(Peer.class)
            .inNamespace(namespace)
            .withName(p.getMetadata().getName())
            .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
        out.printf("peer/%s asked to rotate its key (%s)%n", p.getMetadata().getName(), request);
      }
      out.flush();
      return 0;
    }
  }
}
