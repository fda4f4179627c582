package io.meshfed.operator.netmap;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.api.agent.AssignedReplica;
import io.meshfed.api.agent.DnsRecord;
import io.meshfed.api.agent.MapPeer;
import io.meshfed.api.agent.NetMap;
import io.meshfed.api.agent.SelfConfig;
import io.meshfed.operator.config.MeshfedConfig;
import io.meshfed.operator.support.Budget;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Publishes every cluster's {@link MapLog} to the agents: changes are collected for a short window
 * and flushed as one version; long polls park until a version is news to them; the JSON of a full
 * map's peers is written once per version and shared. Owns the threads, the parked polls and the
 * push-latency metric; the versions and deltas are the log's.
 *
 * <p>Versions carry a per-process epoch, so an agent that polls after an operator restart (or
 * another replica's version) gets the full map.
 */
@Singleton
public class NetMapPublisher {
  static final ObjectMapper JSON = SharedPeers.JSON;

  private final String epoch;
  private final Duration window;
  private final double answersPerSecond;
  private final Clock clock;
  private final Map<String, ClusterMap> clusters = new ConcurrentHashMap<>();
  private final ScheduledExecutorService flusher =
      Executors.newSingleThreadScheduledExecutor(daemon("netmap-flush"));

  /**
   * Answers the polls a new version wakes. Completing them on the flush thread would write every
   * agent's answer from that one thread, one after another (the request resumes on the thread that
   * completes it); spread over these, the answers go out in parallel.
   */
  private final ExecutorService answers =
      Executors.newFixedThreadPool(
          Math.max(2, Runtime.getRuntime().availableProcessors()), daemon("netmap-answer"));

  /**
   * From a change reaching the publisher (a Peer's or Workload's status, a cluster's spec) to a
   * waiting agent's answer carrying it: the coalescing window plus the fan-out.
   */
  private final Timer pushLatency;

  @Inject
  public NetMapPublisher(MeshfedConfig config, MeterRegistry metrics, Clock clock) {
    this(
        config.agentApi().coalesceWindow(),
        config.agentApi().mapAnswersPerSecond(),
        metrics,
        clock);
  }

  NetMapPublisher(Duration window, MeterRegistry metrics, Clock clock) {
    this(window, Double.POSITIVE_INFINITY, metrics, clock);
  }

  NetMapPublisher(Duration window, double answersPerSecond, MeterRegistry metrics, Clock clock) {
    byte[] bytes = new byte[4];
    new SecureRandom().nextBytes(bytes);
    this.epoch = HexFormat.of().formatHex(bytes);
    this.window = window;
    this.answersPerSecond = answersPerSecond;
    this.clock = clock;
    this.pushLatency =
        Timer.builder("meshfed.netmap.push")
            .description("From a change to the waiting agents' answers that carry it")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(10))
            .maximumExpectedValue(Duration.ofSeconds(30))
            .register(metrics);
  }

  @PreDestroy
  void close() {
    flusher.shutdownNow();
    answers.shutdownNow();
  }

  /** What a poll answers: a delta as it is, or a full map whose peers are shared bytes. */
  public sealed interface Reply permits Delta, Full {
    String version();
  }

  public record Delta(NetMap map) implements Reply {
    @Override
    public String version() {
      return map.version();
    }
  }

  /** A full map: the JSON a {@link NetMap} would be, its peers copied from {@link SharedPeers}. */
  public record Full(
      String version,
      SelfConfig self,
      SharedPeers peers,
      String peer,
      List<AssignedReplica> replicas,
      List<DnsRecord> dns,
      Map<String, String> relays)
      implements Reply {

    public void writeTo(OutputStream out) throws IOException {
      try (JsonGenerator json =
          JSON.getFactory().createGenerator(out).disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)) {
        json.writeStartObject();
        json.writeStringField("version", version);
        json.writeBooleanField("full", true);
        if (self != null) {
          json.writeFieldName("self");
          JSON.writeValue(json, self);
        }
        json.writeFieldName("peers");
        // the shared bytes go straight to the stream: an empty raw value makes the generator
        // write the separator and count the field as written
        json.writeRawValue("");
        json.flush();
        peers.writeExcluding(peer, out);
        json.writeFieldName("replicas");
        JSON.writeValue(json, replicas);
        json.writeFieldName("dns");
        JSON.writeValue(json, dns);
        json.writeFieldName("relays");
        JSON.writeValue(json, relays);
        json.writeEndObject();
      }
    }
  }

  /** One cluster's log and the polls waiting on it. */
  private final class ClusterMap {
    final MapLog log = new MapLog();

    /**
     * The polls waiting for the next version, each its own wake-up, which a poll that times out
     * takes back: a shared future of the next version would keep every timed-out poll's
     * continuation until that version came — in a quiet cluster, two a minute per agent for ever.
     */
    private volatile Set<CompletableFuture<Void>> waiting = ConcurrentHashMap.newKeySet();

    boolean flushScheduled;

    /** When the first change of the coming version arrived (System.nanoTime). */
    long pendingSinceNanos;

    /** Every published peer, serialized once for the version {@link #everyoneVersion}. */
    SharedPeers everyone;

    long everyoneVersion = -1;
    volatile boolean closed;

    /** When the last version was published (System.nanoTime); long ago at first. */
    long lastFlushNanos = System.nanoTime() - TimeUnit.HOURS.toNanos(1);

    /**
     * A change is published at once when none was within the window, else at the window's end with
     * whatever else arrived: an isolated join reaches the agents without waiting, a burst still
     * makes one version per window. The window is longer in a cluster whose agents (one answer each
     * per version) would exceed the answers per second.
     */
    synchronized void changed(boolean changed) {
      if (changed && !flushScheduled) {
        flushScheduled = true;
        long now = System.nanoTime();
        pendingSinceNanos = now;
        Duration versionEvery = Budget.interval(window, log.byKey().size(), answersPerSecond);
        long wait = Math.max(0, versionEvery.toNanos() - (now - lastFlushNanos));
        var unused = flusher.schedule(this::flush, wait, TimeUnit.NANOSECONDS);
      }
    }

    void flush() {
      Set<CompletableFuture<Void>> woken;
      synchronized (this) {
        flushScheduled = false;
        lastFlushNanos = System.nanoTime();
        if (log.flush(clock.instant(), pendingSinceNanos).isEmpty()) {
          return;
        }
        woken = takeWaiting();
      }
      wake(woken); // outside the lock: waiting polls answer on their own threads
    }

    /** A poll waits for the next version (under the lock, after finding nothing new for it). */
    synchronized void await(CompletableFuture<Void> wake) {
      waiting.add(wake);
    }

    /** A poll that stopped waiting (answered, or timed out) takes its wake-up back. */
    void forget(CompletableFuture<Void> wake) {
      waiting.remove(wake); // a set already taken by a flush: nothing to take back
    }

    /** How many polls wait for the next version (for tests). */
    int waitingPolls() {
      return waiting.size();
    }

    private Set<CompletableFuture<Void>> takeWaiting() {
      Set<CompletableFuture<Void>> woken = waiting;
      waiting = ConcurrentHashMap.newKeySet();
      return woken;
    }

    private static void wake(Set<CompletableFuture<Void>> woken) {
      woken.forEach(wake -> wake.complete(null));
    }

    /**
     * Where an agent's version stands in this log: this process's own by number; another process's
     * (a restarted operator, another replica) by its members' and workloads' digest, when this log
     * still holds a version that had it; else nowhere (a full map).
     */
    Since resolve(String token) {
      if (token == null) {
        return Since.NONE;
      }
      String[] parts = token.split("\\.");
      if (parts.length >= 2 && parts[0].equals(epoch)) {
        // this process's own: no lock (every report asks, see holds)
        try {
          return new Since(Optional.of(Long.parseLong(parts[1])), false);
        } catch (NumberFormatException e) {
          return Since.NONE;
        }
      }
      OptionalLong digest = parts.length == 3 ? MapDigest.parse(parts[2]) : OptionalLong.empty();
      if (digest.isEmpty()) {
        return Since.NONE;
      }
      synchronized (this) {
        return log.versionWithDigest(digest.getAsLong())
            .map(number -> new Since(Optional.of(number), true))
            .orElse(Since.NONE);
      }
    }

    synchronized Optional<Reply> since(String peer, Since from) {
      if (log.hasPendingSelf(peer)) {
        // its own configuration waits for the flush: publish it now, so the answer's version
        // includes it and the next delta does not send it again
        if (log.flush(clock.instant(), pendingSinceNanos).isPresent()) {
          wake(takeWaiting()); // parked polls go on asynchronously, on the answer threads
        }
      }
      return log.since(peer, from.version(), from.foreign())
          .filter(MapLog::isNews)
          .map(view -> reply(peer, view));
    }

    private Reply reply(String peer, MapLog.View view) {
      // the view is always at the newest version, whose digest the log has
      String token = epoch + "." + view.version() + "." + MapDigest.format(log.digest());
      if (view instanceof MapLog.Delta delta) {
        NetMap map = delta.map();
        return new Delta(
            new NetMap(
                token,
                false,
                map.self(),
                map.peers(),
                map.removed(),
                map.replicas(),
                map.dns(),
                map.relays()));
      }
      MapLog.Full full = (MapLog.Full) view;
      if (everyoneVersion != full.version() || everyone == null) {
        everyone = SharedPeers.of(log.members());
        everyoneVersion = full.version();
      }
      return new Full(
          token, full.self(), everyone, peer, full.replicas(), full.dns(), full.relays());
    }

    /** Parked polls end empty: their agents ask again and find out the cluster is gone. */
    void close() {
      Set<CompletableFuture<Void>> woken;
      synchronized (this) {
        closed = true;
        woken = takeWaiting();
      }
      wake(woken);
    }
  }

  private ClusterMap map(String namespace, String cluster) {
    return clusters.computeIfAbsent(key(namespace, cluster), k -> new ClusterMap());
  }

  private static String key(String namespace, String cluster) {
    return namespace + "/" + cluster;
  }

  // --- what the feed and the workload reconciler tell us ---

  /** A peer's entry (empty while it is not on the map) and its own configuration. */
  public void peerChanged(
      String namespace,
      String cluster,
      String peer,
      Optional<MapPeer> entry,
      Optional<SelfConfig> self) {
    ClusterMap map =
        entry.isEmpty() && self.isEmpty()
            ? clusters.get(key(namespace, cluster)) // nothing to add: no map made for it
            : map(namespace, cluster);
    if (map == null) {
      return;
    }
    synchronized (map) {
      boolean selfChanged = map.log.offerSelf(peer, self);
      boolean entryChanged =
          map.log.offerPeer(peer, entry); // both offered, whatever the first said
      map.changed(selfChanged || entryChanged);
    }
  }

  public void peerGone(String namespace, String cluster, String peer) {
    peerChanged(namespace, cluster, peer, Optional.empty(), Optional.empty());
  }

  /** The peers {@code peer} reaches through a relay now (target → gateway). */
  public void relaysChanged(
      String namespace, String cluster, String peer, Map<String, String> routes) {
    ClusterMap map =
        routes.isEmpty() ? clusters.get(key(namespace, cluster)) : map(namespace, cluster);
    if (map == null) {
      return;
    }
    synchronized (map) {
      map.changed(map.log.offerRelays(peer, routes));
    }
  }

  /** The peers whose maps carry relays now. */
  public Set<String> relayedPeers(String namespace, String cluster) {
    ClusterMap map = clusters.get(key(namespace, cluster));
    if (map == null) {
      return Set.of();
    }
    synchronized (map) {
      return map.log.relayedPeers();
    }
  }

  /** A workload's replicas and names, as its reconciler decided them; empty when it is gone. */
  public void workloadChanged(
      String namespace, String cluster, String workload, Optional<MapLog.WorkloadMap> entry) {
    ClusterMap map =
        entry.isEmpty() ? clusters.get(key(namespace, cluster)) : map(namespace, cluster);
    if (map == null) {
      return;
    }
    synchronized (map) {
      map.changed(map.log.offerWorkload(workload, entry));
    }
  }

  /** The cluster is gone: its map and versions go with it. */
  public void clusterGone(String namespace, String cluster) {
    ClusterMap map = clusters.remove(key(namespace, cluster));
    if (map != null) {
      map.close();
    }
  }

  /** Peers on every cluster's map: the fleet this process serves (every replica keeps them all). */
  public int memberCount() {
    int count = 0;
    for (ClusterMap map : clusters.values()) {
      count += map.log.byKey().size();
    }
    return count;
  }

  /** Polls of the cluster waiting for its next version (for tests). */
  int waitingPolls(String namespace, String cluster) {
    return map(namespace, cluster).waitingPolls();
  }

  /** Whether this process keeps a map for the cluster. */
  public boolean has(String namespace, String cluster) {
    return clusters.containsKey(key(namespace, cluster));
  }

  // --- what agents ask ---

  /**
   * The peer's map since {@code since}: at once when there is something new for it, otherwise when
   * the next version is published, or empty after {@code timeout}.
   */
  public CompletionStage<Optional<Reply>> poll(
      String namespace, String cluster, String peer, String since, Duration timeout) {
    ClusterMap map = map(namespace, cluster);
    return awaitNews(map, peer, map.resolve(since), System.nanoTime() + timeout.toNanos(), false);
  }

  /** Versions that change only this peer's own entry are no news to it: it keeps waiting. */
  private CompletableFuture<Optional<Reply>> awaitNews(
      ClusterMap map, String peer, Since version, long deadline, boolean woken) {
    CompletableFuture<Void> next = new CompletableFuture<>();
    synchronized (map) {
      Optional<Reply> now = map.since(peer, version);
      if (now.isPresent()) {
        if (woken) {
          // a push: the agent was waiting when the change came (an agent behind is no push)
          map.log
              .newestChangedAtNanos()
              .ifPresent(
                  changedAt ->
                      pushLatency.record(System.nanoTime() - changedAt, TimeUnit.NANOSECONDS));
        }
        return CompletableFuture.completedFuture(now);
      }
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0 || map.closed) {
        return CompletableFuture.completedFuture(Optional.empty());
      }
      map.await(next);
    }
    long remaining = Math.max(0, deadline - System.nanoTime());
    CompletableFuture<Optional<Reply>> answer =
        next.thenComposeAsync(ignored -> awaitNews(map, peer, version, deadline, true), answers)
            .completeOnTimeout(Optional.empty(), remaining, TimeUnit.NANOSECONDS);
    answer.whenComplete((reply, error) -> map.forget(next));
    return answer;
  }

  /**
   * The cluster's peers on the map, by public key (the asking peer among them): a live view, read
   * without locks, for checking reports against.
   */
  public Map<String, MapLog.Member> mapPeers(String namespace, String cluster) {
    ClusterMap map = map(namespace, cluster);
    return map.log.byKey();
  }

  /** The published members of a cluster's map, indexed for reports (see {@link MapLog.Members}). */
  public MapLog.Members members(String namespace, String cluster) {
    return map(namespace, cluster).log.membersView();
  }

  /**
   * Up to which member version a map at {@code version} (as an agent reports it) holds the members:
   * none without a version ({@link Long#MIN_VALUE}); those published up to where it stands in this
   * process's log (its own versions, or another process's by digest); all of them ({@link
   * Long#MAX_VALUE}) for a version that stands nowhere here (the agent's next poll brings the full
   * map).
   */
  public long heldUpTo(String namespace, String cluster, String version) {
    if (version == null) {
      return Long.MIN_VALUE;
    }
    return map(namespace, cluster).resolve(version).version().orElse(Long.MAX_VALUE);
  }

  /**
   * Where a poll's version stands in a cluster's log: a version number of this process (none: a
   * full map), and whether it came from another process's token.
   */
  record Since(Optional<Long> version, boolean foreign) {
    static final Since NONE = new Since(Optional.empty(), false);
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
