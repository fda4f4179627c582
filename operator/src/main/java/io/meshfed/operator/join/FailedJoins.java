package io.meshfed.operator.join;

import io.meshfed.operator.support.TokenBucket;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many failed joins a source address may make: a bucket of {@code burst} failures per source,
 * refilled at {@code perMinute}. A source whose bucket is empty is refused before its join is
 * looked at, so guessing tokens costs the API server nothing past the budget; good joins spend
 * nothing. Pure but for its table: the time is passed in.
 *
 * <p>Behind a load balancer that hides clients' addresses every agent shares one source: the budget
 * is per address the operator sees, so keep client addresses (a Service with {@code
 * externalTrafficPolicy: Local}) or raise the budget.
 */
public final class FailedJoins {
  /** Sources tracked at once; past it, the fullest buckets (the least suspicious) are forgotten. */
  static final int MAX_SOURCES = 10_000;

  private final int burst;
  private final Duration refillEvery;
  private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();

  public FailedJoins(int burst, int perMinute) {
    if (burst < 1 || perMinute < 1) {
      throw new IllegalArgumentException(
          "failed joins: burst and per-minute must be at least 1, not " + burst + "/" + perMinute);
    }
    this.burst = burst;
    this.refillEvery = Duration.ofMinutes(1).dividedBy(perMinute);
  }

  /** Empty when the source may try a join now; otherwise how long until it may. */
  public Optional<Duration> waitFor(String source, Instant now) {
    TokenBucket bucket = buckets.get(source);
    if (bucket == null) {
      return Optional.empty();
    }
    TokenBucket current = bucket.refilled(TokenBucket.nanosOf(now), refillEvery, burst);
    if (current.tokens() >= 1) {
      return Optional.empty();
    }
    long nanos = (long) ((1 - current.tokens()) * refillEvery.toNanos());
    return Optional.of(Duration.ofNanos(Math.max(nanos, 1)));
  }

  /** A join from this source failed: it spends one of the source's failures. */
  public void failed(String source, Instant now) {
    long nanos = TokenBucket.nanosOf(now);
    if (buckets.size() >= MAX_SOURCES && !buckets.containsKey(source)) {
      buckets
          .entrySet()
          .removeIf(e -> e.getValue().refilled(nanos, refillEvery, burst).tokens() >= burst);
    }
    buckets.compute(
        source,
        (k, b) ->
            (b == null ? TokenBucket.full(burst, nanos) : b).spend(nanos, refillEvery, burst));
  }
}
