package io.meshfed.agent;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with full jitter, so a thousand agents do not come back in step. */
public final class Backoff {
  private final Duration initial;
  private final Duration max;
  private int attempt;

  public Backoff(Duration initial, Duration max) {
    this.initial = initial;
    this.max = max;
  }

  public Duration next() {
    long ceiling = Math.min(max.toMillis(), initial.toMillis() << Math.min(attempt, 20));
    attempt++;
    return Duration.ofMillis(ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1));
  }

  public void reset() {
    attempt = 0;
  }
}
