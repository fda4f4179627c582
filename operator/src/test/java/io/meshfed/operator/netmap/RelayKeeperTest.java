package io.meshfed.operator.netmap;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.operator.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Reports in, relays and the pairs-by-path gauges out; a cluster's state goes with it. */
class RelayKeeperTest {
  @Test
  void reportsOfABrokenPairGiveItARelayAndTheGaugesCountPaths() {
    ManualClock clock = new ManualClock(Instant.parse("2026-12-04T12:00:00Z"));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    NetMapPublisher publisher = new NetMapPublisher(Duration.ofMillis(5), registry, clock);
    RelayKeeper keeper = new RelayKeeper(publisher, clock, registry);
    keeper.member("ns", "mesh", "a", false, true);
    keeper.member("ns", "mesh", "b", false, true);
    keeper.member("ns", "mesh", "gw", true, false);
    for (int round = 0; round < 2; round++) {
      keeper.reported("ns", "mesh", "a", Set.of("b"));
      keeper.reported("ns", "mesh", "b", Set.of("a"));
      keeper.reported("ns", "mesh", "gw", Set.of());
      clock.advance(Relays.BROKEN_FOR);
    }
    assertThat(keeper.relayedPeersOf("ns", "mesh", "a")).containsExactly("b");
    assertThat(keeper.relayedPeersOf("ns", "mesh", "gw")).isEmpty();
    assertThat(gauge(registry, "relayed")).isEqualTo(1);
    assertThat(gauge(registry, "direct")).isEqualTo(2);
    assertThat(gauge(registry, "unreachable")).isZero();
    assertThat(keeper.paths("ns", "mesh"))
        .hasValueSatisfying(
            p -> {
              assertThat(p.pairs()).isEqualTo(3);
              assertThat(p.relayed()).isEqualTo(1);
            });

    keeper.clusterGone("ns", "mesh");
    assertThat(registry.find("meshfed.mesh.pairs").gauges()).isEmpty();
    assertThat(keeper.paths("ns", "mesh")).isEmpty();
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
