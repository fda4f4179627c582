package io.meshfed.operator.agentapi;

import io.meshfed.operator.support.Budget;
import java.time.Duration;

/**
 * How often a fleet's agents may report, so that their reports stay within what the operator takes:
 * N agents at an interval T send N / T reports a second, and each costs the operator a TLS read, a
 * JSON parse and a health check. Past {@code N / reportsPerSecond} seconds the operator tells each
 * agent (in every status answer's {@code Meshfed-Report-Interval} header) to report no more often
 * than that; an agent keeps its own interval when it is longer. A peer is judged by the interval it
 * was told: its heartbeat grace is never less than {@value #GRACE_REPORTS} of them.
 *
 * <p>N is every peer on this process's maps, the same on every replica (each replica keeps every
 * cluster's map), so every replica tells the same interval and the leader judges by it.
 *
 * @param reportsPerSecond the fleet's reports per second the operator plans for, all replicas
 *     together
 */
public record ReportCadence(double reportsPerSecond) {
  /** Reports a peer may miss before it is NotReady, at the told interval. */
  static final int GRACE_REPORTS = 4;

  public ReportCadence {
    if (!(reportsPerSecond > 0)) {
      throw new IllegalArgumentException(
          "meshfed.agent-api.reports-per-second must be above 0, not " + reportsPerSecond);
    }
  }

  /** The shortest interval a peer may report at, in whole seconds (0: any interval). */
  public long shortestIntervalSeconds(long peers) {
    return Budget.interval(Duration.ZERO, peers, reportsPerSecond).plusMillis(999).toSeconds();
  }

  /** How long a peer may be silent before it is NotReady: the configured grace, or longer. */
  public Duration heartbeatGrace(long peers, Duration configured) {
    Duration told = Duration.ofSeconds(shortestIntervalSeconds(peers) * GRACE_REPORTS);
    return told.compareTo(configured) > 0 ? told : configured;
  }
}
