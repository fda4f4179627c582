package io.meshfed.operator.server;

import static io.meshfed.operator.server.CaRotationPlan.Action.INTRODUCE;
import static io.meshfed.operator.server.CaRotationPlan.Action.NONE;
import static io.meshfed.operator.server.CaRotationPlan.Action.PROMOTE;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.operator.server.CaRotationPlan.Settings;
import io.meshfed.operator.server.CaRotationPlan.State;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CaRotationPlanTest {
  private static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");
  private static final Instant FAR = NOW.plus(Duration.ofDays(3000));
  private static final Settings SETTINGS =
      new Settings(Duration.ofDays(365), Duration.ofMinutes(10), Duration.ofDays(7));

  @Test
  void nothingHappensUnaskedWhileTheCaIsFarFromItsEnd() {
    assertThat(next(new State(FAR, false, Optional.empty()), List.of()).action()).isEqualTo(NONE);
  }

  @Test
  void aRequestOrANearEndIntroducesTheNextCa() {
    assertThat(next(new State(FAR, true, Optional.empty()), List.of()).action())
        .isEqualTo(INTRODUCE);
    State nearEnd = new State(NOW.plus(Duration.ofDays(364)), false, Optional.empty());
    assertThat(next(nearEnd, List.of()).action()).isEqualTo(INTRODUCE);
    assertThat(next(nearEnd, List.of()).reason()).contains("ends at");
  }

  @Test
  void theNextCaWaitsForEveryReportingPeerAndTheMinimumOverlap() {
    State announced = new State(FAR, true, Optional.of(NOW.minus(Duration.ofMinutes(30))));
    CaRotationPlan.Step waiting = next(announced, List.of("ns/a", "ns/b"));
    assertThat(waiting.action()).isEqualTo(NONE);
    assertThat(waiting.reason()).contains("2 peers").contains("ns/a, ns/b");

    State fresh = new State(FAR, true, Optional.of(NOW.minus(Duration.ofMinutes(1))));
    assertThat(next(fresh, List.of()).action()).isEqualTo(NONE);
    assertThat(next(announced, List.of()).action()).isEqualTo(PROMOTE);
  }

  @Test
  void afterTheMaximumOverlapTheNextCaSignsAndTheStragglersAreNamed() {
    State longAgo = new State(FAR, false, Optional.of(NOW.minus(Duration.ofDays(7))));
    List<String> stragglers = List.of("n/1", "n/2", "n/3", "n/4", "n/5", "n/6", "n/7");
    CaRotationPlan.Step step = next(longAgo, stragglers);
    assertThat(step.action()).isEqualTo(PROMOTE);
    assertThat(step.reason()).contains("7 peers").contains("n/5").contains("and 2 more");
    assertThat(step.reason()).doesNotContain("n/6");
  }

  private static CaRotationPlan.Step next(State state, List<String> untrusting) {
    return CaRotationPlan.next(state, untrusting, NOW, SETTINGS);
  }
}
