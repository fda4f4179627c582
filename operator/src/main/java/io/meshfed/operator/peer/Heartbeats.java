package io.meshfed.operator.peer;

import io.meshfed.api.v1alpha1.PeerPhase;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** Ready ⇄ NotReady from the agent's last heartbeat, as the node lifecycle controller does it. */
public final class Heartbeats {
  private Heartbeats() {}

  /** Ready while the last heartbeat is within the grace, NotReady after; Joining before any. */
  public static PeerPhase phase(Optional<Instant> lastHeartbeat, Instant now, Duration grace) {
    return lastHeartbeat
        .map(hb -> hb.plus(grace).isAfter(now) ? PeerPhase.READY : PeerPhase.NOT_READY)
        .orElse(PeerPhase.JOINING);
  }

  /** When a Ready peer turns NotReady if no heartbeat comes. */
  public static Optional<Duration> untilStale(
      Optional<Instant> lastHeartbeat, Instant now, Duration grace) {
    return lastHeartbeat
        .map(hb -> Duration.between(now, hb.plus(grace)))
        .filter(d -> !d.isNegative());
  }
}
