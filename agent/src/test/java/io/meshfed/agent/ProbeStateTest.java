package io.meshfed.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.agent.ProbeState.Result;
import io.meshfed.api.agent.ReplicaProbe;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** When a probe is due and what its results add up to, by the clock the test passes. */
class ProbeStateTest {
  static final Instant START = Instant.parse("2026-12-05T12:00:00Z");

  static ReplicaProbe tcp(int initialDelay, int period, int success, int failure) {
    return new ReplicaProbe(
        null, new ReplicaProbe.TcpSocket(8080), null, initialDelay, period, 1, success, failure);
  }

  @Test
  void aProbeIsDueAfterTheInitialDelayThenEveryPeriodAndNeverTwiceAtOnce() {
    ProbeState probe = new ProbeState(tcp(5, 10, 1, 3), START, false);
    assertThat(probe.due(START)).isFalse();
    assertThat(probe.due(START.plusSeconds(4))).isFalse();
    assertThat(probe.due(START.plusSeconds(5))).isTrue();

    probe.started(START.plusSeconds(5));
    assertThat(probe.due(START.plusSeconds(30))).as("one at a time").isFalse();
    probe.finished(Result.fail("refused"));
    assertThat(probe.due(START.plusSeconds(14))).isFalse();
    assertThat(probe.due(START.plusSeconds(15))).isTrue();
  }

  @Test
  void readinessPassesAfterSuccessThresholdAndFailsAfterFailureThreshold() {
    ProbeState readiness = new ProbeState(tcp(0, 1, 2, 3), START, false);
    assertThat(readiness.passing()).isFalse();
    assertThat(readiness.why()).isEqualTo("TCP :8080 has not passed yet");

    readiness.finished(Result.pass());
    assertThat(readiness.passing()).as("one success of two").isFalse();
    readiness.finished(Result.pass());
    assertThat(readiness.passing()).isTrue();
    assertThat(readiness.why()).isEmpty();

    readiness.finished(Result.fail("refused"));
    readiness.finished(Result.fail("refused"));
    assertThat(readiness.passing()).as("two failures of three").isTrue();
    readiness.finished(Result.pass());
    readiness.finished(Result.fail("refused"));
    readiness.finished(Result.fail("refused"));
    assertThat(readiness.passing()).as("a success between starts the count over").isTrue();
    readiness.finished(Result.fail("connection refused"));
    assertThat(readiness.passing()).isFalse();
    assertThat(readiness.why()).isEqualTo("TCP :8080 failed 3 times in a row: connection refused");

    readiness.finished(Result.pass());
    assertThat(readiness.passing()).as("one success of two after failing").isFalse();
  }

  @Test
  void livenessCountsAsPassingUntilItFails() {
    ProbeState liveness = new ProbeState(tcp(0, 1, 1, 1), START, true);
    assertThat(liveness.passing()).isTrue();
    liveness.started(START);
    liveness.finished(Result.fail("timed out"));
    assertThat(liveness.passing()).isFalse();
    assertThat(liveness.why()).isEqualTo("TCP :8080 failed 1 time in a row: timed out");
  }

  @Test
  void describesEachKindOfProbe() {
    assertThat(
            new ReplicaProbe(new ReplicaProbe.HttpGet("/healthz", 80), null, null, 0, 1, 1, 1, 1)
                .describe())
        .isEqualTo("GET :80/healthz");
    assertThat(
            new ReplicaProbe(
                    null,
                    null,
                    new ReplicaProbe.Exec(java.util.List.of("pg_isready")),
                    0,
                    1,
                    1,
                    1,
                    1)
                .describe())
        .isEqualTo("exec [pg_isready]");
    assertThat(new ReplicaProbe(null, null, null, 0, 0, 0, 1, 1).period())
        .isEqualTo(Duration.ofSeconds(1));
  }
}
