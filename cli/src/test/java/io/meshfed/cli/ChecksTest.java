package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.meshfed.api.v1alpha1.HandshakeSummary;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshClusterStatus;
import io.meshfed.api.v1alpha1.PathSummary;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.PeerStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The troubleshooting checks and matrix, from snapshots made by hand. */
class ChecksTest {
  static final String WHY =
      "sym-a and sym-c have no direct path and the cluster has no gateway peer to relay: add a peer"
          + " with role gateway and a public address";

  @Test
  void theMatrixMarksRelayedPairsAndExplainsTheOnesWithoutAPath() {
    ClusterSnapshot snapshot =
        new ClusterSnapshot(
            cluster("False", "3 pairs: 1 direct, 1 relayed through gateways, 1 without a path"),
            List.of(
                peer("gw", List.of(), List.of(), List.of()),
                peer(
                    "sym-a",
                    List.of("sym-c"),
                    List.of(PathSummary.Link.via("sym-b", "gw")),
                    List.of(PathSummary.Link.unreachable("sym-c", WHY))),
                peer("sym-b", List.of(), List.of(PathSummary.Link.via("sym-a", "gw")), List.of()),
                peer("sym-c", List.of("sym-a"), List.of(), List.of())),
            List.of(),
            List.of());

    assertThat(String.join("\n", Checks.connectivity(snapshot)))
        .isEqualTo(
            """
            connectivity (row: the peer's agent; ✓ direct, ↻ relayed through a gateway, ✗ none, ? unknown):
                       gw       sym-a    sym-b    sym-c
              gw       ·        ✓        ✓        ✓
              sym-a    ✓        ·        ↻        ✗
              sym-b    ✓        ↻        ·        ✓
              sym-c    ✓        ✗        ✓        ·

            paths through gateways, and pairs without one:
              sym-a ↻ sym-b via gw
              sym-a ✗ sym-c: %s"""
                .formatted(WHY));

    assertThat(Checks.run(snapshot, Instant.now(), endpoint -> Optional.empty()))
        .anySatisfy(
            check -> {
              assertThat(check.result()).isEqualTo(Checks.Result.FAIL);
              assertThat(check.title()).startsWith("mesh paths: 3 pairs: 1 direct");
              assertThat(check.hint()).contains("role gateway");
            });
  }

  @Test
  void everyPairDirectNeedsNoMatrix() {
    ClusterSnapshot snapshot =
        new ClusterSnapshot(
            cluster("True", "1 pairs: 1 direct, 0 relayed through gateways"),
            List.of(
                peer("a", List.of(), List.of(), List.of()),
                peer("b", List.of(), List.of(), List.of())),
            List.of(),
            List.of());
    assertThat(Checks.connectivity(snapshot)).isEmpty();
    assertThat(Checks.run(snapshot, Instant.now(), endpoint -> Optional.empty()))
        .anySatisfy(
            check -> {
              assertThat(check.result()).isEqualTo(Checks.Result.OK);
              assertThat(check.title())
                  .isEqualTo("mesh paths: 1 pairs: 1 direct, 0 relayed through gateways");
            });
  }

  static MeshCluster cluster(String connected, String message) {
    MeshCluster cluster = new MeshCluster();
    cluster.getMetadata().setName("lab");
    cluster.getMetadata().setNamespace("ns");
    cluster.getMetadata().setGeneration(1L);
    MeshClusterStatus status = new MeshClusterStatus();
    status.setObservedGeneration(1L);
    status.setEndpoint("https://198.18.0.1:8443");
    status.setConditions(
        List.of(
            new ConditionBuilder()
                .withType("MeshConnected")
                .withStatus(connected)
                .withReason("True".equals(connected) ? "PairsConnected" : "PairsUnreachable")
                .withMessage(message)
                .build()));
    cluster.setStatus(status);
    return cluster;
  }

  static Peer peer(
      String name,
      List<String> missing,
      List<PathSummary.Link> relayed,
      List<PathSummary.Link> unreachable) {
    Peer peer = new Peer();
    peer.getMetadata().setName(name);
    PeerStatus status = new PeerStatus();
    status.setPhase(PeerPhase.READY);
    HandshakeSummary handshakes = new HandshakeSummary();
    handshakes.setMissingCount(missing.size());
    handshakes.setMissing(missing.isEmpty() ? null : missing);
    status.setHandshakes(handshakes);
    PathSummary paths = new PathSummary();
    paths.setRelayed(relayed.size());
    paths.setRelayedPeers(relayed.isEmpty() ? null : relayed);
    paths.setUnreachable(missing.size());
    paths.setUnreachablePeers(unreachable.isEmpty() ? null : unreachable);
    status.setPaths(paths);
    peer.setStatus(status);
    return peer;
  }
}
