package io.meshfed.operator.agentapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReportCadenceTest {
  private static final ReportCadence DEFAULT = new ReportCadence(500);
  private static final Duration GRACE = Duration.ofSeconds(40);

  @Test
  void aFleetWithinTheBudgetAtTheAgentsIntervalIsAskedNothingAndKeepsItsGrace() {
    assertThat(DEFAULT.shortestIntervalSeconds(0)).isZero();
    assertThat(DEFAULT.shortestIntervalSeconds(1_000)).isEqualTo(2); // below the agent's 10 s
    assertThat(DEFAULT.shortestIntervalSeconds(5_000)).isEqualTo(10);
    assertThat(DEFAULT.heartbeatGrace(5_000, GRACE)).isEqualTo(GRACE);
  }

  @Test
  void reportsStayWithinTheBudgetAsTheFleetGrowsAndTheGraceFollowsTheInterval() {
    for (int peers : new int[] {10_000, 10_001, 50_000, 123_457}) {
      long interval = DEFAULT.shortestIntervalSeconds(peers);
      assertThat(peers / (double) interval).as("reports/s at " + peers).isLessThanOrEqualTo(500.0);
      assertThat(interval - 1)
          .as("whole seconds, rounded up by less than one")
          .isLessThan((long) Math.ceil(peers / 500.0));
      assertThat(DEFAULT.heartbeatGrace(peers, GRACE))
          .isEqualTo(Duration.ofSeconds(interval * ReportCadence.GRACE_REPORTS));
    }
    assertThat(DEFAULT.shortestIntervalSeconds(10_000)).isEqualTo(20);
    assertThat(DEFAULT.heartbeatGrace(10_000, GRACE)).isEqualTo(Duration.ofSeconds(80));
  }

  @Test
  void aBudgetOfNothingIsRefused() {
    assertThatThrownBy(() -> new ReportCadence(0))
        .hasMessageContaining("meshfed.agent-api.reports-per-second");
  }
}
