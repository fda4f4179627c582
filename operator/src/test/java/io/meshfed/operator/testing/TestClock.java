package io.meshfed.operator.testing;

import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The operator's clock in tests: the system's time plus an offset a test may move forward (and must
 * put back when it is done). Replaces the operator's default clock bean.
 */
@Singleton
public class TestClock extends Clock {
  private volatile Duration offset = Duration.ZERO;

  /** Moves the operator's time forward; a reconcile after this sees deadlines passed. */
  public void advance(Duration by) {
    offset = offset.plus(by);
  }

  public void reset() {
    offset = Duration.ZERO;
  }

  @Override
  public Instant instant() {
    return Instant.now().plus(offset);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
