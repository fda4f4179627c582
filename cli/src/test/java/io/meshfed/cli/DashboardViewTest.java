package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.HandshakeSummary;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshClusterSpec;
import io.meshfed.api.v1alpha1.PathSummary;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.PeerRole;
import io.meshfed.api.v1alpha1.PeerSpec;
import io.meshfed.api.v1alpha1.PeerStatus;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.api.v1alpha1.ReplicaPlacement;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.api.v1alpha1.WorkloadSpec;
import io.meshfed.api.v1alpha1.WorkloadStatus;
import io.meshfed.cli.DashboardView.Link;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DashboardViewTest {
  static final Instant NOW = Instant.parse("2026-12-05T16:00:00Z");

  @Test
  void pairsThatAreNotDirectAreListedOnceWithTheWorstPathAndWhy() {
    Peer alpha = peer("alpha", PeerPhase.READY, "100.64.1.1");
    alpha.getStatus().getPaths().setRelayedPeers(List.of(PathSummary.Link.via("charlie", "gw")));
    alpha.getStatus().getHandshakes().setMissing(List.of("bravo"));
    Peer bravo = peer("bravo", PeerPhase.READY, "100.64.2.1");
    bravo
        .getStatus()
        .getPaths()
        .setUnreachablePeers(
            List.of(PathSummary.Link.unreachable("alpha", "no gateway peer to relay")));
    Peer charlie = peer("charlie", PeerPhase.READY, "100.64.3.1");
    charlie.getStatus().getPaths().setRelayedPeers(List.of(PathSummary.Link.via("alpha", "gw")));
    Peer gw = peer("gw", PeerPhase.READY, "100.64.4.1");
    gw.getSpec().setRoles(List.of(PeerRole.GATEWAY, PeerRole.WORKER));
    // two silent peers: nobody reports their pair; a silent peer's old report does not count
    Peer delta = peer("delta", PeerPhase.NOT_READY, "100.64.5.1");
    delta
        .getStatus()
        .getPaths()
        .setUnreachablePeers(List.of(PathSummary.Link.unreachable("gw", "stale")));
    Peer echo = peer("echo", PeerPhase.NOT_READY, "100.64.6.1");
    Peer joining = peer("foxtrot", PeerPhase.JOINING, null);

    var doc =
        DashboardView.of(snapshot(alpha, bravo, charlie, gw, delta, echo, joining), List.of(), NOW);

    assertThat(doc.links())
        .containsExactly(
            new Link("alpha", "bravo", "none", null, "alpha has no recent handshake with it"),
            new Link("alpha", "charlie", "relayed", "gw", null),
            new Link("delta", "echo", "unknown", null, "neither agent reports"));
    assertThat(doc.peers())
        .extracting(DashboardView.PeerView::reports)
        .containsExactly(true, true, true, true, false, false, false);
    assertThat(doc.peers().get(3).roles()).containsExactly("gateway", "worker");
  }

  @Test
  void theOrderOfReportsNeverChangesTheDocument() {
    Random random = new Random(20261205);
    for (int trial = 0; trial < 200; trial++) {
      List<Peer> peers = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        Peer p =
            peer(
                "p" + i,
                random.nextInt(4) == 0 ? PeerPhase.NOT_READY : PeerPhase.READY,
                "100.64." + i + ".1");
        List<PathSummary.Link> unreachable = new ArrayList<>();
        List<PathSummary.Link> relayed = new ArrayList<>();
        for (int j = 0; j < 8; j++) {
          switch (random.nextInt(6)) {
            case 0 ->
                unreachable.add(PathSummary.Link.unreachable("p" + j, "why " + random.nextInt(3)));
            case 1 -> relayed.add(PathSummary.Link.via("p" + j, "p" + random.nextInt(8)));
            default -> {}
          }
        }
        p.getStatus().getPaths().setUnreachablePeers(unreachable);
        p.getStatus().getPaths().setRelayedPeers(relayed);
        peers.add(p);
      }
      var sorted = DashboardView.of(snapshot(peers.toArray(Peer[]::new)), List.of(), NOW);
      Collections.shuffle(peers, random);
      var shuffled = DashboardView.links(peers, Map.copyOf(byName(sorted)));
      assertThat(shuffled).as("trial " + trial).isEqualTo(sorted.links());
      for (Link l : sorted.links()) {
        assertThat(l.a()).isLessThan(l.b());
      }
    }
  }

  @Test
  void replicasShowOnTheirPeersAndOnlyMeshfedEventsNewestFirst() {
    Peer alpha = peer("alpha", PeerPhase.READY, "100.64.1.1");
    Workload web = new Workload();
    web.getMetadata().setName("web");
    WorkloadSpec spec = new WorkloadSpec();
    spec.setClusterRef(new ClusterReference("demo"));
    spec.setReplicas(2);
    web.setSpec(spec);
    WorkloadStatus status = new WorkloadStatus();
    ReplicaPlacement one = new ReplicaPlacement();
    one.setReplica("web-1");
    one.setPeer("alpha");
    one.setState("Running");
    ReplicaPlacement zero = new ReplicaPlacement();
    zero.setReplica("web-0");
    zero.setPeer("alpha");
    zero.setState("Starting");
    ReplicaPlacement two = new ReplicaPlacement();
    two.setReplica("web-2");
    two.setPeer("alpha");
    two.setState("Running");
    two.setReady(false);
    status.setPlacements(List.of(one, zero, two));
    status.setReadyReplicas(1);
    web.setStatus(status);
    var events =
        List.of(
            event("Peer", "alpha", "PeerReady", "2026-12-05T15:59:00Z"),
            event("Pod", "x", "Pulled", "2026-12-05T15:59:30Z"),
            event("Workload", "web", "Scheduled", "2026-12-05T15:59:50Z"));

    var doc =
        DashboardView.of(
            new ClusterSnapshot(cluster(), List.of(alpha), List.of(), List.of(web)), events, NOW);

    assertThat(doc.peers().get(0).replicas()).containsExactly("web-1", "web-0", "web-2");
    assertThat(doc.workloads().get(0).replicas())
        .extracting(DashboardView.ReplicaView::name, DashboardView.ReplicaView::state)
        .as("running and failing its readiness probe: not shown as ready")
        .containsExactly(
            tuple("web-0", "Starting"), tuple("web-1", "Running"), tuple("web-2", "NotReady"));
    assertThat(doc.events())
        .extracting(DashboardView.EventView::object)
        .containsExactly("Workload/web", "Peer/alpha");
  }

  private static Map<String, DashboardView.PeerView> byName(DashboardView.Document doc) {
    Map<String, DashboardView.PeerView> map = new java.util.TreeMap<>();
    doc.peers().forEach(p -> map.put(p.name(), p));
    return map;
  }

  static ClusterSnapshot snapshot(Peer... peers) {
    return new ClusterSnapshot(cluster(), List.of(peers), List.of(), List.of());
  }

  static MeshCluster cluster() {
    MeshCluster c = new MeshCluster();
    c.getMetadata().setName("demo");
    c.getMetadata().setNamespace("default");
    c.setSpec(new MeshClusterSpec());
    return c;
  }

  static Peer peer(String name, PeerPhase phase, String meshAddress) {
    Peer p = new Peer();
    p.getMetadata().setName(name);
    PeerSpec spec = new PeerSpec();
    spec.setClusterRef(new ClusterReference("demo"));
    spec.setProvider(ProviderType.LOCAL);
    p.setSpec(spec);
    PeerStatus status = new PeerStatus();
    status.setPhase(phase);
    status.setMeshAddress(meshAddress);
    status.setPaths(new PathSummary());
    status.setHandshakes(new HandshakeSummary());
    p.setStatus(status);
    return p;
  }

  static io.fabric8.kubernetes.api.model.Event event(
      String kind, String name, String reason, String time) {
    return new EventBuilder()
        .withNewInvolvedObject()
        .withKind(kind)
        .withName(name)
        .endInvolvedObject()
        .withReason(reason)
        .withType("Normal")
        .withLastTimestamp(time)
        .build();
  }
}
