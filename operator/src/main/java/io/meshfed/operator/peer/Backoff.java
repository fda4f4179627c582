package io.meshfed.operator.peer;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Backoff for a failure that persists, derived from status alone so it survives restarts: the
 * wait grows with how long the failure has lasted (roughly doubling per attempt), between the
 * initial and the maximum wait, with up to 20% jitter so peers failing together do not retry
 * together.
 */
public final class Backoff {
  private Backoff() {}

  public static Duration next(Instant failingSince, Instant now, Duration initial, Duration max) {
    Duration failing = Duration.between(failingSince, now);
    Duration base = failing.compareTo(initial) < 0 ? initial : failing;
    if (base.compareTo(max) > 0) {
      base = max;
    }
    long jitter = (long) (base.toMillis() * 0.2 * ThreadLocalRandom.current().nextDouble());
    return base.plusMillis(jitter);
  }
}
