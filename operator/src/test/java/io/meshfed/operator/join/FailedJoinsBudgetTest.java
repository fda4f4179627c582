package io.meshfed.operator.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class FailedJoinsBudgetTest {
  static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");

  @Test
  void aSourceSpendsItsBurstThenOneFailurePerRefill() {
    FailedJoins budget = new FailedJoins(3, 6); // one failure back every 10 s
    for (int i = 0; i < 3; i++) {
      assertThat(budget.waitFor("198.18.0.7", T0)).isEmpty();
      budget.failed("198.18.0.7", T0);
    }
    assertThat(budget.waitFor("198.18.0.7", T0)).contains(Duration.ofSeconds(10));
    assertThat(budget.waitFor("198.18.0.7", T0.plusSeconds(4))).contains(Duration.ofSeconds(6));
    assertThat(budget.waitFor("198.18.0.7", T0.plusSeconds(10))).isEmpty();
    budget.failed("198.18.0.7", T0.plusSeconds(10));
    assertThat(budget.waitFor("198.18.0.7", T0.plusSeconds(10))).isPresent();
    assertThat(budget.waitFor("198.18.0.8", T0)).as("another source has its own").isEmpty();
  }

  @Test
  void aQuietSourceGetsItsWholeBurstBackAndNoMore() {
    FailedJoins budget = new FailedJoins(2, 60);
    budget.failed("a", T0);
    budget.failed("a", T0);
    Instant later = T0.plus(Duration.ofHours(1));
    budget.failed("a", later);
    assertThat(budget.waitFor("a", later)).isEmpty();
    budget.failed("a", later);
    assertThat(budget.waitFor("a", later)).as("the burst, not an hour of refills").isPresent();
  }

  @Test
  void aBudgetOfNothingIsAConfigurationError() {
    assertThatThrownBy(() -> new FailedJoins(0, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1");
  }
}
