package io.meshfed.cli;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.meshfed.api.v1alpha1.Durations;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPool;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.api.v1alpha1.Workload;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "shrink",
    mixinStandardHelpOptions = true,
    description = {
      "Removes peers: one by name (drained first), or every idle one.",
      "A named peer's replicas move to other peers before it goes; --idle removes peers that run no replicas.",
      "A pool's peer takes the pool's size down with it; hosts you brought (provider static) are never removed",
      "by --idle. Peers of autoscaled pools are the autoscaler's."
    })
final class Shrink implements Callable<Integer> {
  @ParentCommand KubectlMeshfed root;

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "CLUSTER", description = "The MeshCluster's name.")
  String cluster;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Which which;

  static final class Which {
    @Option(names = "--peer", description = "The peer to remove.")
    String peer;

    @Option(names = "--idle", description = "Every peer that runs no replicas.")
    boolean idle;
  }

  @Option(
      names = "--timeout",
      defaultValue = "5m",
      description = "How long to wait for a drain (default: ${DEFAULT-VALUE}).")
  String timeout;

  @Override
  public Integer call() throws Exception {
    try (KubernetesClient client = root.client()) {
      String namespace = root.namespace(client);
      ClusterSnapshot snapshot = ClusterSnapshot.read(client, namespace, cluster);
      var out = spec.commandLine().getOut();
      List<Peer> leaving = new ArrayList<>();
      if (which.peer != null) {
        Peer peer =
            snapshot.peers().stream()
                .filter(p -> p.getMetadata().getName().equals(which.peer))
                .findFirst()
                .orElseThrow(
                    () ->
                        new KubectlMeshfed.NotFound(
                            "no peer " + which.peer + " in cluster " + cluster));
        autoscaledPool(snapshot, peer)
            .ifPresent(
                pool -> {
                  throw new CommandLine.ParameterException(
                      spec.commandLine(),
                      "peer "
                          + which.peer
                          + " belongs to the"
                          + " autoscaled pool "
                          + pool
                          + ": the autoscaler removes idle peers itself; lower its"
                          + " spec.autoscaling.maxReplicas to shrink it");
                });
        leaving.add(peer);
      } else {
        for (Peer p : snapshot.peers()) {
          if (!p.isMarkedForDeletion()
              && p.getSpec().getProvider() != ProviderType.STATIC
              && autoscaledPool(snapshot, p).isEmpty()
              && replicasOn(snapshot.workloads(), p) == 0) {
            leaving.add(p);
          }
        }
      }
      if (leaving.isEmpty()) {
        out.println("no idle peers to remove");
        out.flush();
        return 0;
      }
      for (Peer peer : leaving) {
        String name = peer.getMetadata().getName();
        if (replicasOn(snapshot.workloads(), peer) > 0) {
          drain(client, namespace, name, out);
        }
        client.resources(Peer.class).inNamespace(namespace).withName(name).delete();
        poolOf(peer)
            .ifPresent(
                pool -> {
                  PeerPool current =
                      client.resources(PeerPool.class).inNamespace(namespace).withName(pool).get();
                  if (current != null && current.getSpec().getAutoscaling() == null) {
                    int replicas =
                        Math.max(
                            0,
                            (current.getSpec().getReplicas() == null
                                    ? 1
                                    : current.getSpec().getReplicas())
                                - 1);
                    client
                        .resources(PeerPool.class)
                        .inNamespace(namespace)
                        .withName(pool)
                        .edit(
                            p -> {
                              p.getSpec().setReplicas(replicas);
                              return p;
                            });
                    out.printf("peerpool/%s resized to %d peers%n", pool, replicas);
                  }
                });
        out.printf("peer/%s deleted%n", name);
      }
      out.flush();
      return 0;
    }
  }

  /** Marks the peer draining and waits until the scheduler has moved every replica off it. */
  private void drain(KubernetesClient client, String namespace, String peer, PrintWriter out)
      throws InterruptedException {
    client
        .resources(Peer.class)
        .inNamespace(namespace)
        .withName(peer)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"annotations\":{\""
                + MeshfedApi.DRAINING_ANNOTATION
                + "\":\"kubectl meshfed shrink\"}}}");
    out.printf("peer/%s draining%n", peer);
    out.flush();
    long deadline = System.nanoTime() + Durations.parse(timeout).toNanos();
    while (true) {
      Peer current = client.resources(Peer.class).inNamespace(namespace).withName(peer).get();
      List<Workload> workloads =
          client.resources(Workload.class).inNamespace(namespace).list().getItems();
      if (current == null || replicasOn(workloads, current) == 0) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "peer "
                + peer
                + " still runs "
                + replicasOn(workloads, current)
                + " replicas after "
                + timeout
                + ": they have nowhere else to go (kubectl meshfed describe "
                + cluster
                + " shows why); it stays, marked draining");
      }
      Thread.sleep(Duration.ofSeconds(1).toMillis());
    }
  }

  static int replicasOn(List<Workload> workloads, Peer peer) {
    String name = peer.getMetadata().getName();
    return (int)
        workloads.stream()
            .filter(w -> w.getStatus() != null)
            .flatMap(w -> w.getStatus().getPlacements().stream())
            .filter(p -> name.equals(p.getPeer()))
            .count();
  }

  private static Optional<String> poolOf(Peer peer) {
    return Optional.ofNullable(peer.getMetadata().getOwnerReferences()).orElse(List.of()).stream()
        .filter(o -> "PeerPool".equals(o.getKind()))
        .map(OwnerReference::getName)
        .findFirst();
  }

  private static Optional<String> autoscaledPool(ClusterSnapshot snapshot, Peer peer) {
    return poolOf(peer)
        .filter(
            pool ->
                snapshot.pools().stream()
                    .anyMatch(
                        p ->
                            p.getMetadata().getName().equals(pool)
                                && p.getSpec().getAutoscaling() != null));
  }
}
