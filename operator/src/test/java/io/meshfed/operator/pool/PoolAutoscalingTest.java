package io.meshfed.operator.pool;

import static io.meshfed.operator.testing.TestObjects.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
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
import io.meshfed.api.v1alpha1.ReplicaPlacement;
import io.meshfed.api.v1alpha1.ResourceAmounts;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.api.v1alpha1.WorkloadPort;
import io.meshfed.api.v1alpha1.WorkloadResources;
import io.meshfed.api.v1alpha1.WorkloadSpec;
import io.meshfed.operator.testing.KubeApiServerResource;
import io.meshfed.operator.testing.SimulatedAgents;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An autoscaled pool against the real API server, the in-memory cloud and agents spoken to over the
 * agent API: replicas that cannot be placed make the pool grow by exactly what they need; with the
 * workload gone the idle peers go, one at a time with a budget of 1, down to min; a workload no
 * pool's peer could hold makes nothing grow and says why.
 */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
class PoolAutoscalingTest {
  private static final Duration WAIT = Duration.ofSeconds(40);
  private static final long GI = 1L << 30;

  @ConfigProperty(name = "quarkus.http.test-ssl-port")
  int httpsPort;

  KubernetesClient client;
  String ns;
  SimulatedAgents agents;

  @BeforeEach
  void setUp() {
    client = KubeApiServerResource.client();
    ns = freshNamespace(client, "autoscale");
    client.resource(cluster(ns, "mesh", "100.94.0.0/16", 24)).create();
    agents = new SimulatedAgents(client, ns, httpsPort);
  }

  @AfterEach
  void tearDown() {
    agents.close();
    client.close();
  }

  @Test
  void pendingReplicasGrowThePoolAndIdlePeersLeaveOneAtATimeDownToMin() throws Exception {
    client.resource(pool("burst", 1, 4)).create();
    await().atMost(WAIT).untilAsserted(() -> assertThat(live("burst")).containsExactly("burst-0"));
    joinAll("burst");

    // three replicas, one per peer (they have a port): two more peers, exactly
    client.resource(workload("web", 3, "500m")).create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(live("burst")).containsExactly("burst-0", "burst-1", "burst-2"));
    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        client
                            .resources(PeerPool.class)
                            .inNamespace(ns)
                            .withName("burst")
                            .get()
                            .getStatus()
                            .getDesiredReplicas())
                    .isEqualTo(3));
    PeerPool grown = client.resources(PeerPool.class).inNamespace(ns).withName("burst").get();
    assertThat(grown.getSpec().getReplicas()).as("the spec is never written").isEqualTo(1);
    assertThat(grown.getMetadata().getGeneration()).isEqualTo(1L);
    assertThat(grown.getStatus().getLastScaleUp().getReason())
        .isEqualTo("+2 peers (small) for 2 pending replicas of web");
    assertThat(grown.getStatus().getLastScaleUp().getPeers()).containsExactly("burst-1", "burst-2");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(eventsOf("burst"))
                    .anySatisfy(
                        e -> {
                          assertThat(e.getReason()).isEqualTo("ScaledUp");
                          assertThat(e.getMessage())
                              .isEqualTo("+2 peers (small) for 2 pending replicas of web");
                        }));

    joinAll("burst");
    await().atMost(WAIT).untilAsserted(() -> assertThat(placements("web")).hasSize(3));
    runAll("web");
    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        client
                            .resources(Workload.class)
                            .inNamespace(ns)
                            .withName("web")
                            .get()
                            .getStatus()
                            .getReadyReplicas())
                    .isEqualTo(3));
    // for longer than scaleDownAfter: busy peers stay
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(live("burst")).hasSize(3));

    // watch the peers leave: never two going at once (maxUnavailable 1), never below min (1)
    AtomicInteger mostLeavingAtOnce = new AtomicInteger();
    Set<String> leaving = ConcurrentHashMap.newKeySet();
    try (Watch watch =
        client
            .resources(Peer.class)
            .inNamespace(ns)
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
      client.resources(Workload.class).inNamespace(ns).withName("web").delete();
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> assertThat(live("burst")).hasSize(1));
      await()
          .during(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(5)) // min holds
          .untilAsserted(() -> assertThat(live("burst")).hasSize(1));
    }
    assertThat(mostLeavingAtOnce.get()).isEqualTo(1);
    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        client
                            .resources(PeerPool.class)
                            .inNamespace(ns)
                            .withName("burst")
                            .get()
                            .getStatus()
                            .getDesiredReplicas())
                    .isEqualTo(1));
    PeerPool shrunk = client.resources(PeerPool.class).inNamespace(ns).withName("burst").get();
    assertThat(shrunk.getStatus().getLastScaleDown().getReason())
        .startsWith("-1 peer [")
        .contains("idle");
    assertThat(eventsOf("burst")).filteredOn(e -> "ScaledDown".equals(e.getReason())).hasSize(2);
    assertThat(shrunk.getMetadata().getGeneration()).isEqualTo(1L);
  }

  @Test
  void aLightlyUsedPeerIsDrainedItsReplicaMovesWhileTheWorkloadIsFullyAvailableThenItGoes()
      throws Exception {
    PeerPool pool = pool("pair", 1, 2);
    pool.getSpec().setReplicas(2); // ignored under autoscaling: it starts at min and grows by need
    client.resource(pool).create();
    await().atMost(WAIT).untilAsserted(() -> assertThat(live("pair")).containsExactly("pair-0"));
    joinAll("pair");
    // two replicas with a port need two peers; then one port-less workload keeps both a little busy
    client.resource(workload("web", 2, "100m")).create();
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(live("pair")).containsExactly("pair-0", "pair-1"));
    joinAll("pair");
    await().atMost(WAIT).untilAsserted(() -> assertThat(placements("web")).hasSize(2));
    runAll("web");
    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        client
                            .resources(Workload.class)
                            .inNamespace(ns)
                            .withName("web")
                            .get()
                            .getStatus()
                            .getReadyReplicas())
                    .isEqualTo(2));
    Workload batch = workload("batch", 2, "100m");
    batch.getSpec().setPorts(null);
    client.resource(batch).create();
    await().atMost(WAIT).untilAsserted(() -> assertThat(placements("batch")).hasSize(2));
    runAll("batch");

    // web shrinks to one: both peers are lightly used, and what runs on either fits on the other
    client
        .resources(Workload.class)
        .inNamespace(ns)
        .withName("web")
        .edit(
            w -> {
              w.getSpec().setReplicas(1);
              return w;
            });
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(eventsOf("pair"))
                    .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("Draining")));
    String draining =
        client
            .resources(Peer.class)
            .inNamespace(ns)
            .withLabel(MeshfedApi.POOL_LABEL, "pair")
            .list()
            .getItems()
            .stream()
            .filter(
                p ->
                    p.getMetadata().getAnnotations() != null
                        && p.getMetadata()
                            .getAnnotations()
                            .containsKey(MeshfedApi.DRAINING_ANNOTATION))
            .map(p -> p.getMetadata().getName())
            .findFirst()
            .orElseThrow();
    String staying = draining.equals("pair-0") ? "pair-1" : "pair-0";
    // its replicas move to the other peer, one at a time: report each as it lands
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              runAll("web");
              runAll("batch");
              assertThat(placements("web"))
                  .extracting(ReplicaPlacement::getPeer)
                  .doesNotContain(draining);
              assertThat(placements("batch"))
                  .extracting(ReplicaPlacement::getPeer)
                  .doesNotContain(draining);
            });
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(() -> assertThat(live("pair")).containsExactly(staying));
    assertThat(eventsOf("pair"))
        .anySatisfy(
            e -> {
              assertThat(e.getReason()).isEqualTo("ScaledDown");
              assertThat(e.getMessage()).startsWith("-1 peer [" + draining + "]");
            });
  }

  @Test
  void replicasNoPoolPeerCouldHoldGrowNothingAndTheWorkloadSaysWhy() throws Exception {
    client.resource(pool("small", 0, 5)).create();
    client.resource(workload("huge", 1, "8")).create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Condition scheduled =
                  client
                      .resources(Workload.class)
                      .inNamespace(ns)
                      .withName("huge")
                      .get()
                      .getStatus()
                      .getConditions()
                      .stream()
                      .filter(c -> c.getType().equals("Scheduled"))
                      .findFirst()
                      .orElseThrow();
              assertThat(scheduled.getReason()).isEqualTo("NoMatchingPeer");
              assertThat(scheduled.getMessage())
                  .endsWith(
                      "no pool can grow for it: pool small's peers"
                          + " (small: cpu 2, memory 4Gi) are too small");
            });
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .untilAsserted(() -> assertThat(live("small")).isEmpty());
    assertThat(
            client
                .resources(PeerPool.class)
                .inNamespace(ns)
                .withName("small")
                .get()
                .getStatus()
                .getDesiredReplicas())
        .isZero();

    // a pool whose peers can hold it: the workload now waits for the autoscaler, which grows that
    // pool only
    PeerPool big = pool("big", 0, 2);
    big.getSpec().setCapacity(new ResourceAmounts(new Quantity("16"), new Quantity("32Gi")));
    client.resource(big).create();
    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Condition scheduled =
                  client
                      .resources(Workload.class)
                      .inNamespace(ns)
                      .withName("huge")
                      .get()
                      .getStatus()
                      .getConditions()
                      .stream()
                      .filter(c -> c.getType().equals("Scheduled"))
                      .findFirst()
                      .orElseThrow();
              assertThat(scheduled.getReason()).isEqualTo("NoResourcesAvailable");
              assertThat(scheduled.getMessage()).endsWith("the autoscaler adds peers for them");
              assertThat(
                      client
                          .resources(PeerPool.class)
                          .inNamespace(ns)
                          .withName("big")
                          .get()
                          .getStatus()
                          .getDesiredReplicas())
                  .isEqualTo(1);
            });
    assertThat(live("small")).isEmpty();
  }

  private PeerPool pool(String name, int min, int max) {
    PeerPool pool = new PeerPool();
    pool.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName(name).build());
    PeerPoolSpec spec = new PeerPoolSpec();
    spec.setClusterRef(new ClusterReference("mesh"));
    spec.setProvider(ProviderType.LOCAL);
    spec.setInstanceType("small");
    spec.setReplicas(1);
    spec.setCapacity(new ResourceAmounts(new Quantity("2"), new Quantity("4Gi")));
    AutoscalingSpec autoscaling = new AutoscalingSpec();
    autoscaling.setMinReplicas(min);
    autoscaling.setMaxReplicas(max);
    autoscaling.setScaleDownAfter("2s");
    autoscaling.setCooldownAfterScaleUp("1s");
    autoscaling.setMaxUnavailable(new IntOrString(1));
    spec.setAutoscaling(autoscaling);
    pool.setSpec(spec);
    return pool;
  }

  private Workload workload(String name, int replicas, String cpu) {
    Workload workload = new Workload();
    workload.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName(name).build());
    WorkloadSpec spec = new WorkloadSpec();
    spec.setClusterRef(new ClusterReference("mesh"));
    spec.setReplicas(replicas);
    spec.setCommand(List.of("python3", "-m", "http.server", "8080"));
    WorkloadPort port = new WorkloadPort();
    port.setPort(8080);
    spec.setPorts(List.of(port));
    WorkloadResources resources = new WorkloadResources();
    resources.setRequests(new ResourceAmounts(new Quantity(cpu), new Quantity("256Mi")));
    spec.setResources(resources);
    workload.setSpec(spec);
    return workload;
  }

  /** Each pool peer not yet joined joins, and all become Ready. */
  private void joinAll(String pool) throws Exception {
    for (String name : live(pool)) {
      agents.join(name);
    }
    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        client
                            .resources(Peer.class)
                            .inNamespace(ns)
                            .withLabel(MeshfedApi.POOL_LABEL, pool)
                            .list()
                            .getItems())
                    .allSatisfy(
                        p -> assertThat(p.getStatus().getPhase()).isEqualTo(PeerPhase.READY)));
  }

  /**
   * Every agent reports every replica assigned to it (of any workload) as running; {@code workload}
   * is for the reader.
   */
  private void runAll(String workload) throws Exception {
    Map<String, List<String>> byPeer = new HashMap<>();
    for (Workload w : client.resources(Workload.class).inNamespace(ns).list().getItems()) {
      for (ReplicaPlacement p : placements(w.getMetadata().getName())) {
        byPeer.computeIfAbsent(p.getPeer(), k -> new ArrayList<>()).add(p.getReplica());
      }
    }
    for (String peer : joinedPeers()) {
      agents.run(peer, byPeer.getOrDefault(peer, List.of()));
    }
  }

  /** Peers that still exist and whose agent joined. */
  private List<String> joinedPeers() {
    return client.resources(Peer.class).inNamespace(ns).list().getItems().stream()
        .filter(p -> !p.isMarkedForDeletion())
        .map(p -> p.getMetadata().getName())
        .filter(agents::has)
        .toList();
  }

  private List<ReplicaPlacement> placements(String workload) {
    Workload w = client.resources(Workload.class).inNamespace(ns).withName(workload).get();
    return w == null || w.getStatus() == null ? List.of() : w.getStatus().getPlacements();
  }

  private List<String> live(String pool) {
    return client
        .resources(Peer.class)
        .inNamespace(ns)
        .withLabel(MeshfedApi.POOL_LABEL, pool)
        .list()
        .getItems()
        .stream()
        .filter(p -> !p.isMarkedForDeletion())
        .map(p -> p.getMetadata().getName())
        .sorted()
        .toList();
  }

  private List<Event> eventsOf(String pool) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(
            e ->
                pool.equals(e.getInvolvedObject().getName())
                    && "PeerPool".equals(e.getInvolvedObject().getKind()))
        .toList();
  }
}
