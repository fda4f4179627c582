package io.meshfed.operator.support;

import java.time.Duration;
import java.time.Instant;

/**
 * A budget that refills: at most {@code burst} at once, one more every {@code refillEvery}.
 * Immutable and pure: the time is passed in, in nanoseconds on any one scale ({@link
 * System#nanoTime()}, or {@link #nanosOf(Instant)}).
 *
 * @param tokens what is left now (fractions accrue)
 * @param atNanos when that was
 */
public record TokenBucket(double tokens, long atNanos) {
  public static TokenBucket full(int burst, long nowNanos) {
    return new TokenBucket(burst, nowNanos);
  }

  /** What the bucket holds at {@code nowNanos}: refilled since, never past {@code burst}. */
  public TokenBucket refilled(long nowNanos, Duration refillEvery, int burst) {
    double added = (double) (nowNanos - atNanos) / refillEvery.toNanos();
    return new TokenBucket(Math.min(burst, tokens + Math.max(0, added)), nowNanos);
  }

  /** After refilling, one spent if there was one (never below zero). */
  public TokenBucket spend(long nowNanos, Duration refillEvery, int burst) {
    TokenBucket current = refilled(nowNanos, refillEvery, burst);
    return new TokenBucket(Math.max(0, current.tokens - 1), nowNanos);
  }

  /** A wall-clock time on a nanosecond scale (good until 2262). */
  public static long nanosOf(Instant time) {
    return time.getEpochSecond() * 1_000_000_000L + time.getNano();
  }
}
