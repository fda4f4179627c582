package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.meshfed.api.v1alpha1.AutoscalingSpec;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.PeerPool;
import io.meshfed.api.v1alpha1.PeerPoolSpec;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.api.v1alpha1.ResourceAmounts;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.provider.spi.Command;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An autoscaled pool of local peers (network namespaces with real agents): a workload with more
 * replicas than the pool's peers can hold makes it grow until every replica runs; with the workload
 * gone, the idle peers go after scaleDownAfter, one at a time (budget 1), down to minReplicas, and
 * their namespaces with them.
 */
class PoolAutoscalingMeshTest {
  static final String NS = LocalMeshFixture.NS;
  static LocalMeshFixture mesh;

  @BeforeAll
  static void start() throws Exception {
    mesh = LocalMeshFixture.start(Path.of("target/e2e/autoscaling"));
    mesh.createCluster("elastic", "100.75.0.0/16", Map.of());
  }

  @AfterAll
  static void stop() {
    if (mesh != null) {
      mesh.close();
    }
  }

  @Test
  void thePoolGrowsUntilEveryReplicaRunsAndShrinksBackOneAtATime() throws Exception {
    var client = mesh.client;
    client.resource(pool()).inNamespace(NS).create();
    await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(readyPeers()).hasSize(1));

    // three replicas with a port: one per peer, and the pool has one
    client.resource(TestWorkloads.httpServer("web", "elastic", 3)).inNamespace(NS).create();
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(120))
        .untilAsserted(
            () -> {
              assertThat(readyPeers()).hasSize(3);
              Workload web = client.resources(Workload.class).inNamespace(NS).withName("web").get();
              assertThat(web.getStatus().getReadyReplicas()).isEqualTo(3);
            });
    PeerPool grown = client.resources(PeerPool.class).inNamespace(NS).withName("burst").get();
    assertThat(grown.getStatus().getLastScaleUp().getReason())
        .isEqualTo("+2 peers (burst) for 2 pending replicas of web");
    assertThat(grown.getSpec().getReplicas())
        .as("the CRD default, never the autoscaler's number")
        .isEqualTo(1);
    assertThat(grown.getMetadata().getGeneration()).isEqualTo(1L);
    List<String> grownNamespaces = readyPeers().stream().map(mesh::netns).toList();

    AtomicInteger mostLeavingAtOnce = new AtomicInteger();
    Set<String> leaving = ConcurrentHashMap.newKeySet();
    try (Watch watch =
        client
            .resources(Peer.class)
            .inNamespace(NS)
            .withLabel(MeshfedApi.POOL_LABEL, "burst")
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Peer peer) {
                    if (action == Action.DELETED) {
                      leaving.remove(peer.getMetadata().getName());
                    } else if (peer.isMarkedForDeletion()) {
                      leaving.add(peer.getMetadata().getName());
                    }
                    mostLeavingAtOnce.accumulateAndGet(leaving.size(), Math::max);
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                })) {
      client.resources(Workload.class).inNamespace(NS).withName("web").delete();
      await()
          .atMost(Duration.ofSeconds(120))
          .untilAsserted(
              () ->
                  assertThat(
                          client
                              .resources(Peer.class)
                              .inNamespace(NS)
                              .withLabel(MeshfedApi.POOL_LABEL, "burst")
                              .list()
                              .getItems())
                      .hasSize(1));
    }
    assertThat(mostLeavingAtOnce.get()).as("a budget of 1: one peer leaves at a time").isEqualTo(1);
    String kept = mesh.netns(readyPeers().get(0));
    String namespaces =
        Command.run(Duration.ofSeconds(10), null, List.of("ip", "netns", "list")).stdout();
    assertThat(grownNamespaces)
        .filteredOn(n -> !n.equals(kept))
        .allSatisfy(gone -> assertThat(namespaces).doesNotContain(gone));
    assertThat(
            client
                .resources(PeerPool.class)
                .inNamespace(NS)
                .withName("burst")
                .get()
                .getStatus()
                .getLastScaleDown()
                .getReason())
        .contains("idle");
  }

  private static List<String> readyPeers() {
    return mesh
        .client
        .resources(Peer.class)
        .inNamespace(NS)
        .withLabel(MeshfedApi.POOL_LABEL, "burst")
        .list()
        .getItems()
        .stream()
        .filter(
            p ->
                !p.isMarkedForDeletion()
                    && p.getStatus() != null
                    && p.getStatus().getPhase() == PeerPhase.READY)
        .map(p -> p.getMetadata().getName())
        .sorted()
        .toList();
  }

  private static PeerPool pool() {
    PeerPool pool = new PeerPool();
    pool.getMetadata().setName("burst");
    PeerPoolSpec spec = new PeerPoolSpec();
    spec.setClusterRef(new ClusterReference("elastic"));
    spec.setProvider(ProviderType.LOCAL);
    // a local peer has this host's cores; the pool plans with what it declares
    spec.setCapacity(new ResourceAmounts(new Quantity("1"), new Quantity("1Gi")));
    AutoscalingSpec autoscaling = new AutoscalingSpec();
    autoscaling.setMinReplicas(1);
    autoscaling.setMaxReplicas(3);
    autoscaling.setScaleDownAfter("5s");
    autoscaling.setCooldownAfterScaleUp("2s");
    autoscaling.setMaxUnavailable(new IntOrString(1));
    spec.setAutoscaling(autoscaling);
    pool.setSpec(spec);
    return pool;
  }
}
