package io.meshfed.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What an agent makes of the report interval a status answer asks for. */
class ShortestIntervalTest {
  @Test
  void wholeSecondsAreTakenAndAnythingElseAsksForNothing() {
    assertThat(CoordinationClient.shortestInterval(Optional.of("20")))
        .isEqualTo(Duration.ofSeconds(20));
    assertThat(CoordinationClient.shortestInterval(Optional.of(" 7 ")))
        .isEqualTo(Duration.ofSeconds(7));
    assertThat(CoordinationClient.shortestInterval(Optional.empty())).isZero();
    assertThat(CoordinationClient.shortestInterval(Optional.of("soon"))).isZero();
    assertThat(CoordinationClient.shortestInterval(Optional.of("-5"))).isZero();
  }

  @Test
  void anAskBeyondWhatKeepsTheAgentAliveIsCapped() {
    assertThat(CoordinationClient.shortestInterval(Optional.of("86400")))
        .isEqualTo(CoordinationClient.MAX_ASKED_INTERVAL);
  }
}
