package io.meshfed.operator.logs;

import io.meshfed.api.agent.ApiError;
import io.meshfed.api.agent.LogFetch;
import io.meshfed.operator.config.MeshfedConfig;
import io.meshfed.operator.server.AgentApiException;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Replicas' output on its way from agents to readers. A reader opens a stream: the fetch waits for
 * the peer's next long poll (which it wakes), the agent posts the output in chunks to the stream,
 * the reader takes them. Each stream buffers a bounded number of chunks; a gone reader makes the
 * agent's next chunk fail, and the agent stops.
 */
@Singleton
public class LogStreams {
  /** The largest chunk an agent posts. */
  public static final int MAX_CHUNK = 64 * 1024;

  private static final SecureRandom RANDOM = new SecureRandom();

  /** What a reader takes from a stream: output, or its end (with an error when it failed). */
  public sealed interface Item permits Chunk, End {}

  public record Chunk(byte[] bytes) implements Item {}

  public record End(Optional<ApiError> error) implements Item {}

  /** One replica's output, from one agent to one reader. */
  public static final class Stream {
    private final String id;
    private final String peer;
    private final BlockingQueue<Item> items = new LinkedBlockingQueue<>();

    /** Room for chunks; the end always has room, so a reader never misses it. */
    private final Semaphore room;

    private volatile boolean readerGone;

    Stream(String id, String peer, int bufferedChunks) {
      this.id = id;
      this.peer = peer;
      this.room = new Semaphore(bufferedChunks);
    }

    public String id() {
      return id;
    }

    /**
     * The agent's chunk; waits up to {@code wait} for room. Empty when the reader is gone (the
     * agent stops), false when the reader is too slow (the agent tries again).
     */
    public Optional<Boolean> offer(byte[] chunk, Duration wait) throws InterruptedException {
      if (readerGone) {
        return Optional.empty();
      }
      if (chunk.length == 0) {
        return Optional.of(true); // an idle agent asking whether anyone still reads
      }
      if (!room.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS)) {
        return readerGone ? Optional.empty() : Optional.of(false);
      }
      items.add(new Chunk(chunk));
      return readerGone ? Optional.empty() : Optional.of(true);
    }

    /** The agent sent everything it will (or could not). */
    public void end(Optional<ApiError> error) {
      items.add(new End(error));
    }

    /** The next item, or null when none came within {@code timeout}. */
    public Item next(Duration timeout) throws InterruptedException {
      Item item = items.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (item instanceof Chunk) {
        room.release();
      }
      return item;
    }
  }

  private final int maxStreams;
  private final int bufferedChunks;
  private final Map<String, Stream> streams = new ConcurrentHashMap<>();

  /** Fetches no poll of their peer has taken yet, by peer ({@code namespace/name}). */
  private final Map<String, List<LogFetch>> pending = new HashMap<>();

  /** Streams opened elsewhere whose fetch a poll here took: the last thousand. */
  private final Set<String> handedOn =
      Collections.newSetFromMap(
          new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
              return size() > 1024;
            }
          });

  /** Polls of each peer wait on one future; it completes when a fetch for the peer comes. */
  private final Map<String, CompletableFuture<Void>> queued = new HashMap<>();

  @Inject
  public LogStreams(MeshfedConfig config) {
    this(config.agentApi().logs().maxStreams(), config.agentApi().logs().bufferedChunks());
  }

  LogStreams(int maxStreams, int bufferedChunks) {
    this.maxStreams = maxStreams;
    this.bufferedChunks = bufferedChunks;
  }

  /**
   * A stream of {@code replica}'s output from {@code peer}, asked of its agent at its next poll.
   */
  public Stream open(
      String peer, String replica, Integer tailLines, boolean follow, boolean previous) {
    synchronized (this) {
      if (streams.size() >= maxStreams) {
        throw AgentApiException.tooMany(
                "TooManyLogStreams",
                maxStreams
                    + " log streams are open (meshfed.agent-api.logs.max-streams); try again")
            .retryAfter(5);
      }
      String id = HexFormat.of().formatHex(bytes());
      Stream stream = new Stream(id, peer, bufferedChunks);
      streams.put(id, stream);
      pending
          .computeIfAbsent(peer, p -> new ArrayList<>())
          .add(new LogFetch(id, replica, tailLines, follow, previous));
      CompletableFuture<Void> waiting = queued.remove(peer);
      if (waiting != null) {
        waiting.complete(null);
      }
      return stream;
    }
  }

  private static byte[] bytes() {
    byte[] id = new byte[16];
    RANDOM.nextBytes(id);
    return id;
  }

  /** The reader is done: the agent's next chunk learns it, a fetch not taken yet is dropped. */
  public synchronized void close(Stream stream) {
    stream.readerGone = true;
    streams.remove(stream.id);
    List<LogFetch> fetches = pending.get(stream.peer);
    if (fetches != null) {
      fetches.removeIf(f -> f.id().equals(stream.id));
      if (fetches.isEmpty()) {
        pending.remove(stream.peer);
      }
    }
  }

  /** The fetches waiting for {@code peer}, taken: the poll that takes them answers with them. */
  public synchronized List<LogFetch> take(String peer) {
    List<LogFetch> fetches = pending.remove(peer);
    return fetches == null ? List.of() : List.copyOf(fetches);
  }

  /** Completes when a fetch for {@code peer} is waiting (at once when one is). */
  public synchronized CompletableFuture<Void> queued(String peer) {
    if (pending.containsKey(peer)) {
      return CompletableFuture.completedFuture(null);
    }
    return queued.computeIfAbsent(peer, p -> new CompletableFuture<>());
  }

  /**
   * A fetch another replica opened (every replica serving agents, decision 0026): taken here only
   * when a poll of {@code peer} waits here now — the agent holds one poll, so at most one replica
   * hands it the fetch; the opening replica hands it to a poll of its own. Each stream once.
   */
  public synchronized boolean offerOpenedElsewhere(String peer, LogFetch fetch) {
    CompletableFuture<Void> waiting = queued.get(peer);
    if (waiting == null || waiting.isDone() || !handedOn.add(fetch.id())) {
      return false;
    }
    pending.computeIfAbsent(peer, p -> new ArrayList<>()).add(fetch);
    queued.remove(peer);
    waiting.complete(null);
    return true;
  }

  /** A poll of {@code peer} ended: its future goes when no other poll waits on it. */
  public synchronized void pollEnded(String peer) {
    CompletableFuture<Void> waiting = queued.get(peer);
    if (waiting != null && waiting.getNumberOfDependents() == 0) {
      queued.remove(peer);
    }
  }

  /** An open stream, only to the peer it was asked of. */
  public Optional<Stream> stream(String id, String peer) {
    return Optional.ofNullable(streams.get(id)).filter(s -> s.peer.equals(peer));
  }

  /** Streams open now (a gauge, and tests). */
  public int open() {
    return streams.size();
  }
}
