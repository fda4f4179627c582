package io.meshfed.operator.pool;

import static io.meshfed.operator.testing.TestObjects.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPool;
import io.meshfed.api.v1alpha1.PeerPoolSpec;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.operator.support.Conditions;
import io.meshfed.operator.testing.KubeApiServerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A PeerPool of fixed size, against the real API server and the in-memory cloud. */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
class PeerPoolTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  KubernetesClient client;
  String ns;

  @BeforeEach
  void setUp() {
    client = KubeApiServerResource.client();
    ns = freshNamespace(client, "pool");
    client.resource(cluster(ns, "mesh", "100.93.0.0/16", 24)).create();
  }

  @AfterEach
  void tearDown() {
    client.close();
  }

  private PeerPool pool(String name, int replicas) {
    PeerPool pool = new PeerPool();
    pool.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName(name).build());
    PeerPoolSpec spec = new PeerPoolSpec();
    spec.setClusterRef(new ClusterReference("mesh"));
    spec.setProvider(ProviderType.LOCAL);
    spec.setInstanceType("small");
    spec.setRegion("lab");
    spec.setLabels(Map.of("tier", "edge"));
    spec.setReplicas(replicas);
    pool.setSpec(spec);
    return pool;
  }

  private List<Peer> peersOf(String pool) {
    return client
        .resources(Peer.class)
        .inNamespace(ns)
        .withLabel(MeshfedApi.POOL_LABEL, pool)
        .list()
        .getItems();
  }

  private List<String> liveNames(String pool) {
    return peersOf(pool).stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .map(p -> p.getMetadata().getName())
        .sorted()
        .toList();
  }

  @Test
  void aPoolKeepsItsSizeWithDeterministicOwnedPeersMadeFromItsTemplate() {
    PeerPool created = client.resource(pool("edge", 3)).create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(liveNames("edge")).containsExactly("edge-0", "edge-1", "edge-2"));
    Peer peer = client.resources(Peer.class).inNamespace(ns).withName("edge-1").get();
    assertThat(peer.getSpec().getProvider()).isEqualTo(ProviderType.LOCAL);
    assertThat(peer.getSpec().getInstanceType()).isEqualTo("small");
    assertThat(peer.getSpec().getRegion()).isEqualTo("lab");
    assertThat(peer.getSpec().getLabels()).containsEntry("tier", "edge");
    assertThat(peer.getSpec().getClusterRef().getName()).isEqualTo("mesh");
    assertThat(peer.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getUid()).isEqualTo(created.getMetadata().getUid());
              assertThat(o.getController()).isTrue();
            });
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              PeerPool pool = client.resource(created).get();
              assertThat(pool.getStatus().getDesiredReplicas()).isEqualTo(3);
              assertThat(pool.getStatus().getReplicas()).isEqualTo(3);
              assertThat(
                      Conditions.find(pool.getStatus().getConditions(), "Ready")
                          .orElseThrow()
                          .getReason())
                  .isIn("PeersNotReady", "PoolReady");
            });

    // a peer deleted by hand is replaced at once, under the lowest name not taken (its own is
    // until its machine is gone)
    client.resources(Peer.class).inNamespace(ns).withName("edge-1").delete();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(liveNames("edge")).containsExactly("edge-0", "edge-2", "edge-3"));
    await().atMost(WAIT).untilAsserted(() -> assertThat(peersOf("edge")).hasSize(3));
    assertThat(liveNames("edge")).containsExactly("edge-0", "edge-2", "edge-3");
  }

  @Test
  void scalingDownRemovesPeersAndScalingUpReusesTheLowestNames() {
    client.resource(pool("web", 4)).create();
    await().atMost(WAIT).untilAsserted(() -> assertThat(liveNames("web")).hasSize(4));

    client
        .resources(PeerPool.class)
        .inNamespace(ns)
        .withName("web")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":1}}");
    // none holds replicas: the newest go first
    await().atMost(WAIT).untilAsserted(() -> assertThat(liveNames("web")).containsExactly("web-0"));
    await().atMost(WAIT).untilAsserted(() -> assertThat(peersOf("web")).hasSize(1));

    client
        .resources(PeerPool.class)
        .inNamespace(ns)
        .withName("web")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":2}}");
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(liveNames("web")).containsExactly("web-0", "web-1"));
  }

  @Test
  void deletingThePoolDeletesItsPeers() {
    client.resource(pool("gone", 2)).create();
    await().atMost(WAIT).untilAsserted(() -> assertThat(liveNames("gone")).hasSize(2));
    client.resources(PeerPool.class).inNamespace(ns).withName("gone").delete();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(peersOf("gone")).isEmpty();
              assertThat(client.resources(PeerPool.class).inNamespace(ns).withName("gone").get())
                  .isNull();
            });
  }
}
