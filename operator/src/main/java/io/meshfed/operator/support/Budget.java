package io.meshfed.operator.support;

import java.time.Duration;

/**
 * Work that scales with the fleet, kept within a rate: N things done once per interval cost N per
 * interval, so the interval grows with N past what the rate allows.
 */
public final class Budget {
  private Budget() {}

  /**
   * The interval at which {@code count} things, each done once per interval, stay within {@code
   * perSecond}: {@code base}, or longer when the count needs it.
   */
  public static Duration interval(Duration base, long count, double perSecond) {
    Duration spread = Duration.ofMillis((long) Math.ceil(count * 1000.0 / perSecond));
    return spread.compareTo(base) > 0 ? spread : base;
  }
}
