package io.meshfed.operator.netmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.awaitility.Awaitility.await;

import io.meshfed.api.agent.MapPeer;
import io.meshfed.api.agent.StatusReport;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.PathSummary;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerStatus;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.operator.directory.AgentDirectory;
import io.meshfed.operator.testing.TestObjects;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A peer is on the maps from its join, not from the first reconcile that writes its status. */
class MapFeedTest {
  private static final String KEY = "hostKey0000000000000000000000000000000000000=";
  private final Clock clock = Clock.systemUTC();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  /** A feed of one cluster, {@code ns/mesh}, into {@code publisher}. */
  private MapFeed feed(NetMapPublisher publisher, ObservedEndpoints observed) {
    return feed(publisher, observed, true);
  }

  private MapFeed feed(NetMapPublisher publisher, ObservedEndpoints observed, boolean leads) {
    MeshCluster cluster = TestObjects.cluster("ns", "mesh", "100.64.0.0/16", 24);
    AgentDirectory directory =
        new AgentDirectory(null, null) {
          @Override
          public Optional<MeshCluster> cluster(String namespace, String name) {
            return Optional.of(cluster);
          }
        };
    return new MapFeed(
        directory,
        publisher,
        observed,
        new RelayKeeper(publisher, clock, registry, Runnable::run, () -> leads),
        () -> leads);
  }

  @Test
  void aJoinedPeerIsOnTheMapBeforeItsStatusSaysSoAndStaysThroughEventsWithoutIt() {
    NetMapPublisher publisher = new NetMapPublisher(Duration.ofMillis(1), registry, clock);
    MapFeed feed = feed(publisher, new ObservedEndpoints(clock));
    Peer peer = TestObjects.peer("ns", "host", "mesh", ProviderType.STATIC);
    peer.getMetadata().setUid("uid-host");

    feed.joined(
        peer, new MapFeed.Joined(KEY, "100.64.7.0/24", "100.64.7.1", List.of("198.18.0.7:51820")));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> publisher.mapPeers("ns", "mesh").containsKey(KEY));

    // the watch sees the Peer before its reconcile wrote a status: it stays on the map
    feed.peerChanged(peer);
    PeerStatus written = new PeerStatus();
    written.setPublicKey(KEY);
    written.setSubnet("100.64.7.0/24");
    written.setMeshAddress("100.64.7.1");
    written.setEndpoint("198.18.0.7:51820");
    written.setInterfaceEndpoints(List.of("198.18.0.7:51820"));
    Peer reconciled = TestObjects.peer("ns", "host", "mesh", ProviderType.STATIC);
    reconciled.getMetadata().setUid("uid-host");
    reconciled.setStatus(written);
    feed.peerChanged(reconciled);
    await()
        .during(Duration.ofMillis(200))
        .atMost(Duration.ofSeconds(5))
        .until(() -> publisher.mapPeers("ns", "mesh").containsKey(KEY));
    assertThat(publisher.mapPeers("ns", "mesh").get(KEY).peer().allowedIPs())
        .containsExactly("100.64.7.0/24");

    // from here on the status alone: a Peer event without it now takes the peer off
    feed.peerChanged(peer);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> !publisher.mapPeers("ns", "mesh").containsKey(KEY));
  }

  /**
   * Another replica (or the operator after a restart) has heard no reports yet: where peers see a
   * NATed peer comes from its status, so its entry is the one the agents already hold.
   */
  @Test
  void whatPeersObserveComesFromTheStatusWhenThisProcessHeardNothing() {
    NetMapPublisher publisher = new NetMapPublisher(Duration.ofMillis(1), registry, clock);
    ObservedEndpoints heard = new ObservedEndpoints(clock);
    MapFeed feed = feed(publisher, heard);
    PeerStatus status = new PeerStatus();
    status.setPublicKey(KEY);
    status.setSubnet("100.64.7.0/24");
    status.setMeshAddress("100.64.7.1");
    status.setInterfaceEndpoints(List.of("10.0.0.7:51820"));
    PathSummary paths = new PathSummary();
    paths.setObservedEndpoints(List.of("198.51.100.7:40001"));
    status.setPaths(paths);
    Peer natted = TestObjects.peer("ns", "natted", "mesh", ProviderType.STATIC);
    natted.setStatus(status);

    feed.peerChanged(natted);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> publisher.mapPeers("ns", "mesh").containsKey(KEY));
    MapPeer entry = publisher.mapPeers("ns", "mesh").get(KEY).peer();
    assertThat(entry.endpoints()).containsExactly("198.51.100.7:40001", "10.0.0.7:51820");
    assertThat(entry.site()).isEqualTo("nat:198.51.100.7");

    // what this process hears itself comes first
    heard.record(
        "ns",
        "mesh",
        List.of(
            new StatusReport.PeerHandshake(
                KEY, clock.instant().getEpochSecond(), 0, 0, "198.51.100.8:40002")));
    feed.peerChanged(natted);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                publisher
                    .mapPeers("ns", "mesh")
                    .get(KEY)
                    .peer()
                    .endpoints()
                    .contains("198.51.100.8:40002"));
  }

  /**
   * A standby plans no relays (the reports go to the leader): its maps carry the routes the leader
   * wrote in each Peer's status, so an agent it serves is relayed as the leader decided; the
   * leader's own maps follow its planner, not the status.
   */
  @Test
  void aStandbysMapsCarryTheRelaysTheLeaderWroteInStatus() {
    PeerStatus status = new PeerStatus();
    status.setPublicKey(KEY);
    status.setSubnet("100.64.7.0/24");
    status.setMeshAddress("100.64.7.1");
    status.setInterfaceEndpoints(List.of("198.18.0.7:51820"));
    PathSummary paths = new PathSummary();
    paths.setRelayedPeers(
        List.of(PathSummary.Link.via("b", "gw"), PathSummary.Link.via("c", "gw")));
    status.setPaths(paths);
    Peer relayed = TestObjects.peer("ns", "host", "mesh", ProviderType.STATIC);
    relayed.setStatus(status);
    assertThat(MapFeed.relaysInStatus(relayed)).containsExactly(entry("b", "gw"), entry("c", "gw"));

    NetMapPublisher onStandby = new NetMapPublisher(Duration.ofMillis(1), registry, clock);
    feed(onStandby, new ObservedEndpoints(clock), false).peerChanged(relayed);
    assertThat(onStandby.relayedPeers("ns", "mesh")).containsExactly("host");

    NetMapPublisher onLeader = new NetMapPublisher(Duration.ofMillis(1), registry, clock);
    feed(onLeader, new ObservedEndpoints(clock), true).peerChanged(relayed);
    assertThat(onLeader.relayedPeers("ns", "mesh")).isEmpty();

    // the leader wrote that the relays ended: the standby's map drops them
    paths.setRelayedPeers(null);
    feed(onStandby, new ObservedEndpoints(clock), false).peerChanged(relayed);
    assertThat(onStandby.relayedPeers("ns", "mesh")).isEmpty();
  }
}
