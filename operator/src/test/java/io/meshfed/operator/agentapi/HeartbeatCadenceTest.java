package io.meshfed.operator.agentapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HeartbeatCadenceTest {
  private static final HeartbeatCadence DEFAULTS =
      new HeartbeatCadence(Duration.ofSeconds(10), 20, Duration.ofSeconds(60), 10);

  @Test
  void smallFleetsKeepTheBaseIntervals() {
    assertThat(DEFAULTS.leaseRenewInterval(100)).isEqualTo(Duration.ofSeconds(10));
    assertThat(DEFAULTS.statusRefreshInterval(100)).isEqualTo(Duration.ofSeconds(60));
    assertThat(DEFAULTS.leaseDuration(100, Duration.ofSeconds(60)))
        .as("never shorter than the grace")
        .isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void writesPerSecondStayWithinTheBudgetAsTheFleetGrows() {
    for (int peers : new int[] {1_000, 5_000, 10_000, 50_000}) {
      double leaseWrites = peers / (DEFAULTS.leaseRenewInterval(peers).toMillis() / 1000.0);
      double statusWrites = peers / (DEFAULTS.statusRefreshInterval(peers).toMillis() / 1000.0);
      assertThat(leaseWrites).as("Lease writes/s at " + peers).isLessThanOrEqualTo(20.0);
      assertThat(statusWrites).as("status writes/s at " + peers).isLessThanOrEqualTo(10.0);
    }
    assertThat(DEFAULTS.leaseRenewInterval(10_000)).isEqualTo(Duration.ofSeconds(500));
    assertThat(DEFAULTS.leaseDuration(10_000, Duration.ofSeconds(60)))
        .as("a Lease outlives two renewals")
        .isEqualTo(Duration.ofSeconds(1000));
  }
}
