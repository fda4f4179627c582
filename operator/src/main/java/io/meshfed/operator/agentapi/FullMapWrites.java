package io.meshfed.operator.agentapi;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * At most {@code limit} full maps written at once; the other polls that need one wait their turn
 * without a thread or a buffer. A full map is O(N) bytes (1.5 MB at 5 000 peers): when thousands of
 * agents ask at once (an operator restart, a fleet's first maps), writing them all together shares
 * the uplink so thinly that every one outlasts its agent's request timeout, and the agents' retries
 * start the storm again. In turn, each finishes in a moment.
 *
 * <p>A turn not given back within {@code longest} (a write that never started, a reader that
 * stalls) counts as given back: a lost turn cannot shrink the gate for good.
 */
public final class FullMapWrites {
  /** One write's turn; {@link #done} gives it back (once: it is then no longer writing). */
  public final class Turn {
    private final Instant since;

    private Turn(Instant since) {
      this.since = since;
    }

    public void done() {
      CompletableFuture<Turn> next;
      Turn passed = null;
      synchronized (FullMapWrites.this) {
        if (!writing.remove(this)) {
          return; // given back already, or expired
        }
        next = nextWaiting();
        if (next != null) {
          passed = admitLocked();
        }
      }
      // outside the lock: what waits on it runs now; a poll that ended meanwhile passes it on
      if (next != null && !next.complete(passed)) {
        passed.done();
      }
    }
  }

  private final int limit;
  private final int maxWaiting;
  private final Duration longest;
  private final Clock clock;
  private final Set<Turn> writing = new HashSet<>();
  private final Deque<CompletableFuture<Turn>> waiting = new ArrayDeque<>();

  /**
   * @param limit full maps written at once
   * @param maxWaiting polls that may wait for a turn; more are told to come back later (they hold
   *     their connection, not a place: a poll that waits past its agent's timeout is retried on a
   *     new connection, and a fleet's reconnects are what overloads an operator)
   */
  public FullMapWrites(int limit, int maxWaiting, Duration longest, Clock clock) {
    if (limit < 1) {
      throw new IllegalArgumentException("at least one full map must be writable at once");
    }
    this.limit = limit;
    this.maxWaiting = maxWaiting;
    this.longest = longest;
    this.clock = clock;
  }

  /**
   * A turn now, or when one of the writes before it is done; empty when {@code maxWaiting} polls
   * wait already: the caller says when to come back ({@link #comeBackInSeconds}).
   */
  public Optional<CompletableFuture<Turn>> turn() {
    synchronized (this) {
      expire();
      if (writing.size() < limit && waiting.isEmpty()) {
        return Optional.of(CompletableFuture.completedFuture(admitLocked()));
      }
      waiting.removeIf(CompletableFuture::isDone); // polls that ended while they waited
      if (waiting.size() >= maxWaiting) {
        return Optional.empty();
      }
      CompletableFuture<Turn> queued = new CompletableFuture<>();
      waiting.add(queued);
      return Optional.of(queued);
    }
  }

  /** A wait after which a turn is likely: a second per round of writes ahead, at least one. */
  public synchronized long comeBackInSeconds() {
    return 1 + waiting.size() / limit;
  }

  /** Writes now, and polls waiting for a turn. */
  public synchronized int[] load() {
    expire();
    return new int[] {writing.size(), waiting.size()};
  }

  private Turn admitLocked() {
    Turn turn = new Turn(clock.instant());
    writing.add(turn);
    return turn;
  }

  /** The next waiter still waiting (one whose poll ended meanwhile is skipped). */
  private CompletableFuture<Turn> nextWaiting() {
    CompletableFuture<Turn> next;
    while ((next = waiting.poll()) != null) {
      if (!next.isDone()) {
        return next;
      }
    }
    return null;
  }

  private void expire() {
    Instant now = clock.instant();
    writing.removeIf(turn -> turn.since.plus(longest).isBefore(now));
    while (writing.size() < limit) {
      CompletableFuture<Turn> next = nextWaiting();
      if (next == null) {
        return;
      }
      next.complete(admitLocked());
    }
  }
}
