package io.meshfed.operator.netmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.meshfed.operator.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Reports in, relays and the pairs-by-path gauges out; a cluster's state goes with it. */
class RelayKeeperTest {
  @Test
  void eachPeersPathsAreReadFromTheDecisionWhole() {
    Relays.State state =
        new Relays.State(
            Map.of(Relays.Pair.of("a", "b"), "g", Relays.Pair.of("a", "c"), "g"),
            Map.of(),
            Map.of(),
            Map.of(Relays.Pair.of("d", "a"), "no gateway reaches both"));
    Map<String, Map<String, String>> routes =
        Map.of("a", Map.of("b", "g", "c", "g"), "b", Map.of("a", "g"), "c", Map.of("a", "g"));

    Map<String, PeerPaths> paths = RelayKeeper.pathsByPeer(state, routes);

    assertThat(paths)
        .isEqualTo(
            Map.of(
                "a",
                new PeerPaths(
                    new TreeMap<>(Map.of("b", "g", "c", "g")),
                    new TreeMap<>(Map.of("d", "no gateway reaches both")),
                    0,
                    List.of()),
                "b",
                new PeerPaths(new TreeMap<>(Map.of("a", "g")), new TreeMap<>(), 0, List.of()),
                "c",
                new PeerPaths(new TreeMap<>(Map.of("a", "g")), new TreeMap<>(), 0, List.of()),
                "d",
                new PeerPaths(
                    new TreeMap<>(),
                    new TreeMap<>(Map.of("a", "no gateway reaches both")),
                    0,
                    List.of()),
                "g",
                new PeerPaths(new TreeMap<>(), new TreeMap<>(), 2, List.of())));
  }

  @Test
  void reportsOfABrokenPairGiveItARelayAndTheGaugesCountPaths() {
    ManualClock clock = new ManualClock(Instant.parse("2026-12-04T12:00:00Z"));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    NetMapPublisher publisher = new NetMapPublisher(Duration.ofMillis(5), registry, clock);
    RelayKeeper keeper = new RelayKeeper(publisher, clock, registry, Runnable::run);
    keeper.member("ns", "mesh", "a", false, true);
    keeper.member("ns", "mesh", "b", false, true);
    keeper.member("ns", "mesh", "gw", true, false);
    for (int round = 0; round < 2; round++) {
      keeper.reported("ns", "mesh", "a", Set.of("b"), false);
      keeper.reported("ns", "mesh", "b", Set.of("a"), false);
      keeper.reported("ns", "mesh", "gw", Set.of(), false);
      clock.advance(Relays.BROKEN_FOR);
    }
    assertThat(keeper.pathsOf("ns", "mesh", "a").relayedVia()).containsExactly(entry("b", "gw"));
    assertThat(keeper.pathsOf("ns", "mesh", "gw").relayedVia()).isEmpty();
    assertThat(keeper.pathsOf("ns", "mesh", "gw").relaying()).isEqualTo(1);

    // the gateway's received bytes from the pair count from its second report on
    keeper.gatewayReceived("ns", "mesh", "gw", Map.of("a", 1_000L, "b", 500L));
    keeper.gatewayReceived("ns", "mesh", "gw", Map.of("a", 4_000L, "b", 700L));
    keeper.gatewayReceived("ns", "mesh", "gw", Map.of("a", 100L, "b", 700L)); // a's restarted
    assertThat(registry.get("meshfed.relay.received").tag("gateway", "gw").counter().count())
        .isEqualTo(3_000 + 200 + 100);
    assertThat(gauge(registry, "relayed")).isEqualTo(1);
    assertThat(gauge(registry, "direct")).isEqualTo(2);
    assertThat(gauge(registry, "unreachable")).isZero();
    assertThat(keeper.paths("ns", "mesh"))
        .hasValueSatisfying(
            p -> {
              assertThat(p.pairs()).isEqualTo(3);
              assertThat(p.relayed()).isEqualTo(1);
            });

    // no gateway any more: the pair has no path, and each side is told why
    keeper.member("ns", "mesh", "gw", false, false);
    keeper.reported("ns", "mesh", "a", Set.of("b"), false);
    assertThat(keeper.pathsOf("ns", "mesh", "a").relayedVia()).isEmpty();
    assertThat(keeper.pathsOf("ns", "mesh", "b").unreachable())
        .containsOnlyKeys("a")
        .hasValueSatisfying(
            new org.assertj.core.api.Condition<>(
                why -> why.contains("no gateway peer to relay"), "says no gateway"));
    assertThat(gauge(registry, "unreachable")).isEqualTo(1);

    keeper.clusterGone("ns", "mesh");
    assertThat(registry.find("meshfed.mesh.pairs").gauges()).isEmpty();
    assertThat(registry.find("meshfed.relay.received").counters()).isEmpty();
    assertThat(keeper.paths("ns", "mesh")).isEmpty();
  }

  /**
   * A standby hears no reports and decides nothing into its maps (they carry what the leader
   * wrote); once it leads, its decisions replace what it read, relays it did not decide included.
   */
  @Test
  void aStandbyPublishesNoDecisionAndANewLeadersDecisionsReplaceWhatItRead() {
    ManualClock clock = new ManualClock(Instant.parse("2026-12-06T08:00:00Z"));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    NetMapPublisher publisher = new NetMapPublisher(Duration.ofMillis(5), registry, clock);
    AtomicBoolean leads = new AtomicBoolean(false);
    RelayKeeper keeper = new RelayKeeper(publisher, clock, registry, Runnable::run, leads::get);
    keeper.member("ns", "mesh", "a", false, true);
    keeper.member("ns", "mesh", "b", false, true);
    keeper.member("ns", "mesh", "c", false, true);
    keeper.member("ns", "mesh", "gw", true, false);
    // as read from the Peers' status while standing by: c relayed to a stale peer
    publisher.relaysChanged("ns", "mesh", "c", Map.of("old", "gw"));
    keeper.gone("ns", "mesh", "old");
    assertThat(publisher.relayedPeers("ns", "mesh")).containsExactly("c");

    leads.set(true);
    for (int round = 0; round < 2; round++) {
      keeper.reported("ns", "mesh", "a", Set.of("b"), false);
      keeper.reported("ns", "mesh", "b", Set.of("a"), false);
      keeper.reported("ns", "mesh", "c", Set.of(), false);
      keeper.reported("ns", "mesh", "gw", Set.of(), false);
      clock.advance(Relays.BROKEN_FOR);
    }
    assertThat(publisher.relayedPeers("ns", "mesh")).containsExactlyInAnyOrder("a", "b");
  }

  private static double gauge(SimpleMeterRegistry registry, String path) {
    return registry
        .get("meshfed.mesh.pairs")
        .tag("cluster", "mesh")
        .tag("path", path)
        .gauge()
        .value();
  }
}
