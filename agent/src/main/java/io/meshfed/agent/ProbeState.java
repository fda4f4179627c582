package io.meshfed.agent;

import io.meshfed.api.agent.ReplicaProbe;
import java.time.Instant;

/**
 * One probe of one run of a replica: when it is due, and what its results add up to (thresholds, as
 * Kubernetes counts them). Pure: the time is passed in, the results are handed to it.
 */
final class ProbeState {
  /** How a probe went: passed, or why not. */
  record Result(boolean passed, String detail) {
    static Result pass() {
      return new Result(true, "");
    }

    static Result fail(String why) {
      return new Result(false, why);
    }
  }

  private final ReplicaProbe probe;
  private final Instant startedAt;
  private Instant lastRun;
  private boolean inFlight;
  private int successes;
  private int failures;
  private boolean passing;
  private String lastFailure = "";

  /**
   * @param passingAtStart what counts before any result: false for readiness (not ready until it
   *     passes), true for liveness (alive until it fails)
   */
  ProbeState(ReplicaProbe probe, Instant startedAt, boolean passingAtStart) {
    this.probe = probe;
    this.startedAt = startedAt;
    this.passing = passingAtStart;
  }

  ReplicaProbe probe() {
    return probe;
  }

  /** Whether to run it now: past the initial delay, a period after the last, none running. */
  boolean due(Instant now) {
    return !inFlight
        && !now.isBefore(startedAt.plus(probe.initialDelay()))
        && (lastRun == null || !now.isBefore(lastRun.plus(probe.period())));
  }

  /** It is being run from now on. */
  void started(Instant now) {
    inFlight = true;
    lastRun = now;
  }

  void finished(Result result) {
    inFlight = false;
    if (result.passed()) {
      failures = 0;
      successes++;
      if (successes >= probe.successThreshold()) {
        passing = true;
      }
    } else {
      successes = 0;
      failures++;
      lastFailure = result.detail();
      if (failures >= probe.failureThreshold()) {
        passing = false;
      }
    }
  }

  boolean passing() {
    return passing;
  }

  /** Why it does not pass, for a status message. */
  String why() {
    if (passing) {
      return "";
    }
    return failures == 0
        ? probe.describe() + " has not passed yet"
        : probe.describe()
            + " failed "
            + failures
            + " time"
            + (failures == 1 ? "" : "s")
            + " in a row: "
            + lastFailure;
  }
}
