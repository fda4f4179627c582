package io.meshfed.operator.peer;

import java.time.Duration;
import java.time.Instant;

/**
 * Backoff for a failure that persists, derived from status alone so it survives restarts: the wait
 * grows with how long the failure has lasted (roughly doubling per attempt), between the initial
 * and the maximum wait, with up to 20% jitter so peers failing together do not retry together. The
 * jitter is a hash of the peer and the failure's start, not a random draw: the same facts give the
 * same wait.
 */
public final class Backoff {
  private Backoff() {}

  public static Duration next(
      Instant failingSince, Instant now, Duration initial, Duration max, String jitterKey) {
    Duration failing = Duration.between(failingSince, now);
    Duration base = failing.compareTo(initial) < 0 ? initial : failing;
    if (base.compareTo(max) > 0) {
      base = max;
    }
    int hash = (jitterKey + "@" + failingSince).hashCode();
    double fraction = (hash & 0x7fffffff) / (double) Integer.MAX_VALUE;
    return base.plusMillis((long) (base.toMillis() * 0.2 * fraction));
  }
}
