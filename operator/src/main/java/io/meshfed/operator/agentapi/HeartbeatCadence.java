package io.meshfed.operator.agentapi;

import io.meshfed.operator.support.Budget;
import java.time.Duration;

/**
 * How often each peer's heartbeat is written to the API — its Lease, and the refresh of its status
 * (last heartbeat, handshake counts) — so that the writes per second stay within a budget however
 * many peers report: each interval is its base, or longer when the fleet would exceed the budget at
 * the base. 1 000 peers at the defaults: Leases every 50 s (20/s), status every 100 s (10/s); 10
 * 000: every 500 s and 1 000 s, the same 20/s and 10/s. Each peer's status refresh comes at its own
 * multiple of the interval (0.5–1.5, by name: {@code PeerLifecycle.refreshIntervalOf}), so a fleet
 * that joined at once does not refresh in waves at its join rate.
 *
 * <p>The replica agents report to keeps every report in memory: that, not the Lease, decides Ready
 * there. Leases and status are what others read (a restarted or new leader, {@code kubectl meshfed
 * describe}), so their age is bounded by the interval, not by the grace.
 *
 * @param leaseBase the shortest interval between two renewals of one peer's Lease
 * @param leaseWritesPerSecond the budget of Lease writes per second, all peers together
 * @param statusBase the shortest interval between two status refreshes of one peer
 * @param statusWritesPerSecond the budget of status refreshes per second
 */
public record HeartbeatCadence(
    Duration leaseBase,
    double leaseWritesPerSecond,
    Duration statusBase,
    double statusWritesPerSecond) {

  public Duration leaseRenewInterval(int peers) {
    return Budget.interval(leaseBase, peers, leaseWritesPerSecond);
  }

  public Duration statusRefreshInterval(int peers) {
    return Budget.interval(statusBase, peers, statusWritesPerSecond);
  }

  /**
   * How often a peer's counts alone ("999/999 peers") may be written: within the status budget
   * however large the fleet, within {@link #COUNTS_FLOOR} in a small one.
   */
  public Duration countsRefreshInterval(int peers) {
    return Budget.interval(COUNTS_FLOOR, peers, statusWritesPerSecond);
  }

  /** A peer's counts change in status at most this often, however small the fleet. */
  public static final Duration COUNTS_FLOOR = Duration.ofSeconds(5);

  /** A Lease lives two renewals, and never less than the heartbeat grace. */
  public Duration leaseDuration(int peers, Duration grace) {
    Duration twoRenewals = leaseRenewInterval(peers).multipliedBy(2);
    return twoRenewals.compareTo(grace) > 0 ? twoRenewals : grace;
  }
}
