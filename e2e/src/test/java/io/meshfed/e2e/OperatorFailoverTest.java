package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshClusterSpec;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerSpec;
import io.meshfed.api.v1alpha1.ProviderType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two operator replicas (the built jar, prod profile, leader election on) against a real API
 * server. 200 Peers arrive at once; the leader is killed with SIGKILL in the middle of handing out
 * subnets; the standby takes the Lease over and finishes. No subnet is ever handed out twice.
 */
class OperatorFailoverTest {
  static final String NS = "failover";

  /** Kept after the run: the replicas' logs are what to read when this fails. */
  static final Path work = Path.of("target/e2e/failover");

  static ControlPlane plane;
  static final Map<String, OperatorProcess> replicas = new LinkedHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    plane = ControlPlane.start(work, Path.of(System.getProperty("meshfed.crds")));
    plane
        .client()
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .create();
    for (String identity : List.of("replica-a", "replica-b")) {
      replicas.put(
          identity,
          OperatorReplicas.start(
              plane.client(),
              Path.of(System.getProperty("meshfed.operator.jar")),
              plane.kubeconfig(),
              work.resolve(identity + ".log"),
              NS,
              identity,
              // short lease, so that the test does not wait long for the failover
              Map.of("meshfed.leader-election.lease-duration", "6s")));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (OperatorProcess replica : replicas.values()) {
      replica.close();
    }
    if (plane != null) {
      plane.close();
    }
  }

  @Test
  void theStandbyTakesOverAfterTheLeaderIsKilledAndNoSubnetIsHandedOutTwice() throws Exception {
    KubernetesClient client = plane.client();
    String leader =
        await()
            .atMost(Duration.ofSeconds(60))
            .alias(
                "a Lease held by a replica; leases: "
                    + client.leases().inAnyNamespace().list().getItems().stream()
                        .map(l -> l.getMetadata().getNamespace() + "/" + l.getMetadata().getName())
                        .toList())
            .until(() -> holder(client), h -> h != null);
    assertThat(replicas).containsKey(leader);
    String standby =
        replicas.keySet().stream().filter(k -> !k.equals(leader)).findFirst().orElseThrow();
    // the agent API Service selects the leader's pod only
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(servingPods(client)).containsExactly(leader));

    client.resource(cluster()).create();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<?>> creations = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        Peer peer = peer("host-" + i);
        creations.add(pool.submit(() -> client.resource(peer).create()));
      }
      for (Future<?> f : creations) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }

    // kill the leader while it is in the middle of the work
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> allocated(client) >= 20);
    int before = allocated(client);
    replicas.get(leader).kill();
    assertThat(before).as("killed in the middle").isLessThan(200);

    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(() -> assertThat(allocated(client)).isEqualTo(200));
    assertThat(holder(client)).isEqualTo(standby);
    // the new leader serves the agents, and the crashed one's pod no longer says it does
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(servingPods(client)).containsExactly(standby));
    assertThat(client.pods().inNamespace(NS).withName(leader).get().getMetadata().getLabels())
        .containsEntry("meshfed.io/agent-api", "standby");

    List<Peer> peers = client.resources(Peer.class).inNamespace(NS).list().getItems();
    Map<String, Long> holdersPerSubnet =
        peers.stream()
            .collect(Collectors.groupingBy(p -> p.getStatus().getSubnet(), Collectors.counting()));
    assertThat(holdersPerSubnet)
        .hasSize(200)
        .allSatisfy((subnet, count) -> assertThat(count).isEqualTo(1));
    assertThat(peers).allSatisfy(p -> assertThat(p.getMetadata().getGeneration()).isEqualTo(1L));
    Map<String, String> table =
        client.configMaps().inNamespace(NS).withName("mesh-meshfed-ipam").get().getData();
    assertThat(table).hasSize(200);
    assertThat(Files.readString(replicas.get(standby).log())).doesNotContain("Exception in thread");

    // a leader told to stop (a pod's SIGTERM) gives the lease up and exits promptly
    assertThat(replicas.get(standby).terminate(Duration.ofSeconds(10)))
        .as("exited within 10 s of SIGTERM")
        .isTrue();
  }

  /** The pods the chart's agent API Service selects. */
  static List<String> servingPods(KubernetesClient client) {
    return client
        .pods()
        .inNamespace(NS)
        .withLabel("app.kubernetes.io/name", "meshfed")
        .withLabel("meshfed.io/agent-api", "serving")
        .list()
        .getItems()
        .stream()
        .map(p -> p.getMetadata().getName())
        .toList();
  }

  static int allocated(KubernetesClient client) {
    return (int)
        client.resources(Peer.class).inNamespace(NS).list().getItems().stream()
            .filter(p -> p.getStatus() != null && p.getStatus().getSubnet() != null)
            .count();
  }

  static String holder(KubernetesClient client) {
    Lease lease = client.leases().inNamespace(NS).withName("meshfed-operator-leader").get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  static MeshCluster cluster() {
    MeshCluster cluster = new MeshCluster();
    cluster.setMetadata(new ObjectMetaBuilder().withNamespace(NS).withName("mesh").build());
    cluster.setSpec(new MeshClusterSpec());
    return cluster;
  }

  static Peer peer(String name) {
    Peer peer = new Peer();
    peer.setMetadata(new ObjectMetaBuilder().withNamespace(NS).withName(name).build());
    PeerSpec spec = new PeerSpec();
    spec.setClusterRef(new ClusterReference("mesh"));
    spec.setProvider(ProviderType.STATIC);
    peer.setSpec(spec);
    return peer;
  }
}
