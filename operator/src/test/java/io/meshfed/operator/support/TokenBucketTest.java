package io.meshfed.operator.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
  private static final Duration EVERY = Duration.ofSeconds(2);
  private static final long SECOND = 1_000_000_000L;

  @Test
  void spendsItsBurstThenRefillsOneEveryIntervalUpToTheBurst() {
    TokenBucket bucket = TokenBucket.full(3, 0);
    for (int i = 0; i < 3; i++) {
      bucket = bucket.spend(0, EVERY, 3);
    }
    assertThat(bucket.tokens()).isZero();
    assertThat(bucket.spend(0, EVERY, 3).tokens()).as("never below zero").isZero();
    assertThat(bucket.refilled(SECOND, EVERY, 3).tokens()).isEqualTo(0.5);
    assertThat(bucket.refilled(2 * SECOND, EVERY, 3).tokens()).isEqualTo(1);
    assertThat(bucket.refilled(3600 * SECOND, EVERY, 3).tokens())
        .as("the burst, no more")
        .isEqualTo(3);
    assertThat(bucket.refilled(-SECOND, EVERY, 3).tokens())
        .as("time going back adds nothing")
        .isZero();
  }

  @Test
  void wallClockTimesKeepTheirOrderAndNanoseconds() {
    Instant t = Instant.parse("2026-12-06T10:00:00.000000001Z");
    assertThat(TokenBucket.nanosOf(t.plusSeconds(2)) - TokenBucket.nanosOf(t))
        .isEqualTo(2 * SECOND);
    assertThat(TokenBucket.nanosOf(t) % SECOND).isEqualTo(1);
  }
}
