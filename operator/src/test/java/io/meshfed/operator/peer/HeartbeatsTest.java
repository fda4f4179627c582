package io.meshfed.operator.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.api.v1alpha1.PeerPhase;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HeartbeatsTest {
  private static final Duration GRACE = Duration.ofSeconds(40);
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  @Test
  void aPeerWithoutHeartbeatIsJoining() {
    assertThat(Heartbeats.phase(Optional.empty(), NOW, GRACE)).isEqualTo(PeerPhase.JOINING);
    assertThat(Heartbeats.untilStale(Optional.empty(), NOW, GRACE)).isEmpty();
  }

  @Test
  void readyWithinTheGraceNotReadyAfter() {
    assertThat(Heartbeats.phase(Optional.of(NOW.minusSeconds(39)), NOW, GRACE))
        .isEqualTo(PeerPhase.READY);
    assertThat(Heartbeats.phase(Optional.of(NOW.minusSeconds(40)), NOW, GRACE))
        .isEqualTo(PeerPhase.NOT_READY);
    assertThat(Heartbeats.untilStale(Optional.of(NOW.minusSeconds(30)), NOW, GRACE))
        .contains(Duration.ofSeconds(10));
    assertThat(Heartbeats.untilStale(Optional.of(NOW.minusSeconds(50)), NOW, GRACE)).isEmpty();
  }

  @Test
  void backoffGrowsWithTheFailureAndStaysWithinBounds() {
    Duration initial = Duration.ofSeconds(5);
    Duration max = Duration.ofMinutes(5);
    for (int i = 0; i < 100; i++) {
      String peer = "peer-" + i;
      Duration first = Backoff.next(NOW, NOW, initial, max, peer);
      assertThat(first).isBetween(initial, initial.multipliedBy(12).dividedBy(10));
      Duration later = Backoff.next(NOW.minusSeconds(60), NOW, initial, max, peer);
      assertThat(later).isBetween(Duration.ofSeconds(60), Duration.ofSeconds(72));
      Duration capped = Backoff.next(NOW.minusSeconds(3600), NOW, initial, max, peer);
      assertThat(capped).isBetween(max, max.multipliedBy(12).dividedBy(10));
    }
  }

  @Test
  void backoffJitterIsAFunctionOfTheFactsAndSpreadsPeers() {
    Duration initial = Duration.ofSeconds(5);
    Duration max = Duration.ofMinutes(5);
    assertThat(Backoff.next(NOW.minusSeconds(60), NOW, initial, max, "a"))
        .isEqualTo(Backoff.next(NOW.minusSeconds(60), NOW, initial, max, "a"));
    Set<Duration> waits = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      waits.add(Backoff.next(NOW.minusSeconds(60), NOW, initial, max, "peer-" + i));
    }
    assertThat(waits).as("peers failing together retry apart").hasSizeGreaterThan(40);
  }
}
