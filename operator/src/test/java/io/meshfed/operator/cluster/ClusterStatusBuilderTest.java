package io.meshfed.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import io.meshfed.api.v1alpha1.CloudProviderSpec;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshClusterStatus;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.PeerStatus;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.api.v1alpha1.ProvidersSpec;
import io.meshfed.api.v1alpha1.ResourceAmounts;
import io.meshfed.api.v1alpha1.SecretReference;
import io.meshfed.operator.provider.CloudAccounts;
import io.meshfed.operator.scheduler.Amounts;
import io.meshfed.operator.support.Conditions;
import io.meshfed.operator.testing.TestObjects;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ClusterStatusBuilderTest {
  private static final Instant NOW = Instant.parse("2026-05-01T08:00:00Z");

  @Test
  void countsPeersByPhaseAndSumsReadyResources() {
    List<Peer> peers =
        List.of(
            peer("a", PeerPhase.READY, "2", "4Gi"),
            peer("b", PeerPhase.READY, "500m", "512Mi"),
            peer("c", PeerPhase.NOT_READY, "8", "16Gi"),
            peer("d", PeerPhase.JOINING, null, null));
    MeshClusterStatus status = ClusterStatusBuilder.build(cluster(), facts(peers, Map.of()));

    assertThat(status.getPeers().getTotal()).isEqualTo(4);
    assertThat(status.getPeers().getReady()).isEqualTo(2);
    assertThat(status.getPeers().getNotReady()).isEqualTo(1);
    assertThat(status.getPeers().getJoining()).isEqualTo(1);
    assertThat(status.getCapacity().getCpu()).isEqualTo(new Quantity("10500m"));
    assertThat(status.getAllocatable().getCpu()).isEqualTo(new Quantity("2500m"));
    assertThat(status.getAllocatable().getMemory()).isEqualTo(new Quantity("4608Mi"));
    assertThat(status.getPhase()).isEqualTo("Degraded");
    var ready = Conditions.find(status.getConditions(), "Ready").orElseThrow();
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getMessage()).isEqualTo("2/4 peers ready (Joining: d; NotReady: c)");
  }

  @Test
  void meshConnectedCountsPathsAndNamesThePairsWithoutOne() {
    List<Peer> peers = List.of(peer("a", PeerPhase.READY, "1", "1Gi"));
    ClusterStatusBuilder.Facts base = facts(peers, Map.of());
    var unknown =
        Conditions.find(
                ClusterStatusBuilder.build(cluster(), base).getConditions(), "MeshConnected")
            .orElseThrow();
    assertThat(unknown.getStatus()).isEqualTo("Unknown");

    var connected =
        Conditions.find(
                ClusterStatusBuilder.build(
                        cluster(),
                        withPaths(base, new ClusterStatusBuilder.Paths(36, 9, List.of())))
                    .getConditions(),
                "MeshConnected")
            .orElseThrow();
    assertThat(connected.getStatus()).isEqualTo("True");
    assertThat(connected.getReason()).isEqualTo("PairsConnected");
    assertThat(connected.getMessage()).isEqualTo("36 pairs: 27 direct, 9 relayed through gateways");

    var broken =
        Conditions.find(
                ClusterStatusBuilder.build(
                        cluster(),
                        withPaths(
                            base,
                            new ClusterStatusBuilder.Paths(
                                3,
                                0,
                                List.of(
                                    "a and b have no direct path and the cluster has no gateway peer to relay: add a peer with role gateway and a public address"))))
                    .getConditions(),
                "MeshConnected")
            .orElseThrow();
    assertThat(broken.getStatus()).isEqualTo("False");
    assertThat(broken.getReason()).isEqualTo("PairsUnreachable");
    assertThat(broken.getMessage())
        .startsWith(
            "3 pairs: 2 direct, 0 relayed through gateways, 1 without a path: a and b have no direct path")
        .endsWith("add a peer with role gateway and a public address");
  }

  @Test
  void aDeletionSaysWhatItWaitsForAndWhatBlocksIt() {
    Peer leaving = peer("edge-0", PeerPhase.TERMINATING, null, null);
    assertThat(
            ClusterStatusBuilder.waitingFor(
                List.of("web"), List.of(), List.of(leaving), Optional.empty()))
        .isEqualTo(
            new ClusterStatusBuilder.Deletion(
                "Terminating",
                "the cluster is being deleted: waiting for 1 workload (web), 1 peer (edge-0) to"
                    + " go"));

    Peer stuck = peer("edge-1", PeerPhase.TERMINATING, null, null);
    stuck
        .getStatus()
        .setConditions(
            new Conditions(null, 1L, NOW)
                .set(
                    "Ready",
                    false,
                    "MachineDeletionFailed",
                    "deleting machine aws:///i-1 failed: Unavailable: 503; trying again")
                .build());
    ClusterStatusBuilder.Deletion blocked =
        ClusterStatusBuilder.waitingFor(
            List.of(), List.of(), List.of(leaving, stuck), Optional.empty());
    assertThat(blocked.reason()).isEqualTo("DeletionBlocked");
    assertThat(blocked.message())
        .isEqualTo(
            "the cluster is being deleted and waits for 1 peer the cloud keeps: peer edge-1:"
                + " deleting machine aws:///i-1 failed: Unavailable: 503; trying again");

    ClusterStatusBuilder.Deletion releasing =
        ClusterStatusBuilder.waitingFor(
            List.of(), List.of(), List.of(), Optional.of("aws: AuthFailure"));
    assertThat(releasing.reason()).isEqualTo("DeletionBlocked");
    assertThat(releasing.message())
        .contains("releasing what the clouds still hold")
        .contains("aws: AuthFailure");

    MeshCluster deleted = cluster();
    deleted.getMetadata().setDeletionTimestamp("2026-12-05T10:00:00Z");
    MeshClusterStatus status =
        ClusterStatusBuilder.build(deleted, facts(List.of(stuck), Map.of()).deleting(blocked));
    assertThat(status.getPhase()).isEqualTo("Terminating");
    var ready = Conditions.find(status.getConditions(), "Ready").orElseThrow();
    assertThat(ready.getReason()).isEqualTo("DeletionBlocked");
    assertThat(ready.getMessage()).isEqualTo(blocked.message());
  }

  private static ClusterStatusBuilder.Facts withPaths(
      ClusterStatusBuilder.Facts f, ClusterStatusBuilder.Paths paths) {
    return f.withPaths(Optional.of(paths));
  }

  @Test
  void aClusterWhoseEveryPeerIsReadyIsReady() {
    MeshClusterStatus status =
        ClusterStatusBuilder.build(
            cluster(), facts(List.of(peer("a", PeerPhase.READY, "1", "1Gi")), Map.of()));
    assertThat(status.getPhase()).isEqualTo("Ready");
    assertThat(Conditions.isTrue(status.getConditions(), "Ready")).isTrue();
    assertThat(status.getCapacity().getMemory()).isEqualTo(new Quantity("1Gi"));
  }

  @Test
  void longListsOfPeersAreAbbreviated() {
    List<Peer> peers =
        IntStream.range(0, 8).mapToObj(i -> peer("p" + i, PeerPhase.JOINING, null, null)).toList();
    var ready =
        Conditions.find(
                ClusterStatusBuilder.build(cluster(), facts(peers, Map.of())).getConditions(),
                "Ready")
            .orElseThrow();
    assertThat(ready.getMessage())
        .isEqualTo("0/8 peers ready (Joining: p0, p1, p2, p3, p4 and 3 more)");
  }

  @Test
  void credentialsValidNamesEachFailingProviderAndWhy() {
    MeshCluster cluster = cluster();
    ProvidersSpec providers = new ProvidersSpec();
    CloudProviderSpec gcp = new CloudProviderSpec();
    gcp.setCredentialsSecretRef(new SecretReference("gcp-sa"));
    providers.setGcp(gcp);
    CloudProviderSpec aws = new CloudProviderSpec();
    aws.setCredentialsSecretRef(new SecretReference("aws"));
    providers.setAws(aws);
    cluster.getSpec().setProviders(providers);
    var ok = new CloudAccounts.Verdict(true, "Verified", "the credentials work");

    var failing =
        ClusterStatusBuilder.build(
            cluster,
            facts(
                List.of(),
                Map.of(
                    ProviderType.GCP,
                    new CloudAccounts.Verdict(
                        false, "SecretNotFound", "Secret gcp-sa does not exist"),
                    ProviderType.AWS,
                    ok)));
    var c = Conditions.find(failing.getConditions(), "CredentialsValid").orElseThrow();
    assertThat(c.getStatus()).isEqualTo("False");
    assertThat(c.getReason()).isEqualTo("SecretNotFound");
    assertThat(c.getMessage()).isEqualTo("gcp: SecretNotFound: Secret gcp-sa does not exist");

    var unreachable =
        ClusterStatusBuilder.build(
            cluster,
            facts(
                List.of(),
                Map.of(
                    ProviderType.GCP,
                    new CloudAccounts.Verdict(null, "ProviderUnreachable", "connect timed out"),
                    ProviderType.AWS,
                    ok)));
    c = Conditions.find(unreachable.getConditions(), "CredentialsValid").orElseThrow();
    assertThat(c.getStatus()).isEqualTo("Unknown");
    assertThat(c.getMessage()).contains("gcp: ProviderUnreachable: connect timed out");

    var good =
        ClusterStatusBuilder.build(
            cluster, facts(List.of(), Map.of(ProviderType.GCP, ok, ProviderType.AWS, ok)));
    c = Conditions.find(good.getConditions(), "CredentialsValid").orElseThrow();
    assertThat(c.getStatus()).isEqualTo("True");
    assertThat(c.getReason()).isEqualTo("Verified");
  }

  @Test
  void quantitiesAreWrittenTheWayPeopleWriteThem() {
    assertThat(Amounts.cpuQuantity(new BigDecimal("3")).toString()).isEqualTo("3");
    assertThat(Amounts.cpuQuantity(new BigDecimal("1.5")).toString()).isEqualTo("1500m");
    assertThat(Amounts.memoryQuantity(new BigDecimal(6L << 30)).toString()).isEqualTo("6Gi");
    assertThat(Amounts.memoryQuantity(new BigDecimal(1536L << 20)).toString()).isEqualTo("1536Mi");
    assertThat(Amounts.memoryQuantity(new BigDecimal(1000)).toString()).isEqualTo("1000");
    assertThat(Amounts.memoryQuantity(BigDecimal.ZERO).toString()).isEqualTo("0");
  }

  private static ClusterStatusBuilder.Facts facts(
      List<Peer> peers, Map<ProviderType, CloudAccounts.Verdict> missing) {
    return new ClusterStatusBuilder.Facts(
        peers,
        List.of(),
        "c-meshfed-join-token",
        Optional.of(NOW.plusSeconds(3600)),
        missing,
        Optional.empty(),
        Optional.empty(),
        NOW);
  }

  private static MeshCluster cluster() {
    MeshCluster cluster = TestObjects.cluster("ns", "c", "100.64.0.0/16", 24);
    cluster.getMetadata().setGeneration(3L);
    return cluster;
  }

  private static Peer peer(String name, PeerPhase phase, String cpu, String memory) {
    Peer peer = TestObjects.peer("ns", name, "c", ProviderType.STATIC);
    PeerStatus status = new PeerStatus();
    status.setPhase(phase);
    if (cpu != null) {
      status.setCapacity(new ResourceAmounts(new Quantity(cpu), new Quantity(memory)));
      status.setAllocatable(new ResourceAmounts(new Quantity(cpu), new Quantity(memory)));
    }
    peer.setStatus(status);
    return peer;
  }
}
