package io.meshfed.operator.agentapi;

import io.meshfed.api.agent.AssignedReplica;
import io.meshfed.api.agent.DnsRecord;
import io.meshfed.api.agent.MapPeer;
import io.meshfed.api.agent.NetMap;
import io.meshfed.api.agent.SelfConfig;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.NetworkSpec;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.operator.config.MeshfedConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The network maps of every cluster, versioned. Peer changes seen by the watch are collected for
 * a short window and published as one version; each version keeps its delta, so an agent one (or
 * a few) versions behind gets only what changed — one join costs O(N) bytes over the whole mesh.
 * Agents whose version is unknown (too old, or from before an operator restart: versions carry a
 * per-process epoch) get the full map.
 */
@Singleton
public class NetMapHub {
  private static final int HISTORY = 256;

  private final String epoch;
  private final Duration window;
  private final Clock clock = Clock.systemUTC();
  private final Map<String, ClusterMap> clusters = new ConcurrentHashMap<>();
  private final ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "netmap-flush");
    thread.setDaemon(true);
    return thread;
  });
  /**
   * Answers the polls a new version wakes. Completing them on the flush thread would write every
   * agent's answer from that one thread, one after another (the request resumes on the thread that
   * completes it); spread over these, the answers go out in parallel.
   */
  private final java.util.concurrent.ExecutorService answers = Executors.newFixedThreadPool(
      Math.max(2, Runtime.getRuntime().availableProcessors()), new java.util.concurrent.ThreadFactory() {
        private final java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
          Thread thread = new Thread(r, "netmap-answer-" + count.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        }
      });
  private volatile AgentDirectory directory;
  /**
   * From a change reaching the hub (a Peer's or Workload's status, a cluster's spec) to a waiting
   * agent's answer carrying it: the coalescing window plus the fan-out.
   */
  private final Timer pushLatency;

  @jakarta.inject.Inject
  public NetMapHub(MeshfedConfig config, MeterRegistry metrics) {
    this(config.agentApi().coalesceWindow(), metrics);
  }

  NetMapHub(Duration window, MeterRegistry metrics) {
    byte[] bytes = new byte[4];
    new SecureRandom().nextBytes(bytes);
    this.epoch = HexFormat.of().formatHex(bytes);
    this.window = window;
    this.pushLatency = Timer.builder("meshfed.netmap.push")
        .description("From a change to the waiting agents' answers that carry it")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(10))
        .maximumExpectedValue(Duration.ofSeconds(30))
        .register(metrics);
  }

  void attach(AgentDirectory directory) {
    this.directory = directory;
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

  /** A full map: the same JSON a {@link NetMap} would be, with the peers written from {@link SharedPeers}. */
  public record Full(
      String version, SelfConfig self, SharedPeers peers, String peer, List<AssignedReplica> replicas,
      List<DnsRecord> dns) implements Reply {

    public void writeTo(java.io.OutputStream out) throws java.io.IOException {
      var json = SharedPeers.JSON;
      StringBuilder head = new StringBuilder("{\"version\":").append(json.writeValueAsString(version))
          .append(",\"full\":true");
      if (self != null) {
        head.append(",\"self\":").append(json.writeValueAsString(self));
      }
      out.write(head.append(",\"peers\":").toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      peers.writeExcluding(peer, out);
      out.write((",\"replicas\":" + json.writeValueAsString(replicas) + ",\"dns\":" + json.writeValueAsString(dns)
          + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
  }

  /** A peer of the map, and since when it has been in it (handshakes take a moment). */
  public record Member(MapPeer peer, Instant since) {}

  /**
   * One workload's part of the maps: its replicas by the peer that runs them, and its names.
   *
   * @param byPeer peer name to the replicas placed there
   * @param dns the workload's names
   */
  public record WorkloadMap(Map<String, List<AssignedReplica>> byPeer, List<DnsRecord> dns) {}

  /** One published version: what changed from the one before. */
  private record Version(
      long number, Map<String, MapPeer> upserts, Set<String> removed, Set<String> selvesChanged,
      Set<String> replicasChanged, boolean dnsChanged, long changedAtNanos) {}

  private final class ClusterMap {
    long version;
    final Map<String, Member> published = new LinkedHashMap<>();
    final Map<String, SelfConfig> selves = new HashMap<>();
    /** Peers whose own configuration changed since the last version: theirs goes in their next delta. */
    final Set<String> pendingSelves = new LinkedHashSet<>();
    final Map<String, Optional<MapPeer>> pending = new LinkedHashMap<>();
    final Map<String, WorkloadMap> workloads = new java.util.TreeMap<>();
    final Map<String, Optional<WorkloadMap>> pendingWorkloads = new LinkedHashMap<>();
    final Deque<Version> history = new ArrayDeque<>();
    CompletableFuture<Void> nextChange = new CompletableFuture<>();
    boolean flushScheduled;
    /** When the first change of the coming version arrived (System.nanoTime). */
    long pendingSinceNanos;
    /** Every published peer, serialized once for the version {@link #everyoneVersion}. */
    SharedPeers everyone;
    long everyoneVersion = -1;

    synchronized void offer(String name, Optional<MapPeer> entry) {
      Optional<MapPeer> current = pending.containsKey(name)
          ? pending.get(name)
          : Optional.ofNullable(published.get(name)).map(Member::peer);
      if (current.equals(entry)) {
        return;
      }
      pending.put(name, entry);
      scheduleFlush();
    }

    synchronized void offerSelf(String name, Optional<SelfConfig> self) {
      if (Objects.equals(selves.get(name), self.orElse(null))) {
        return;
      }
      self.ifPresentOrElse(s -> selves.put(name, s), () -> selves.remove(name));
      pendingSelves.add(name);
      scheduleFlush();
    }

    synchronized void offerWorkload(String workload, Optional<WorkloadMap> entry) {
      Optional<WorkloadMap> current = pendingWorkloads.containsKey(workload)
          ? pendingWorkloads.get(workload)
          : Optional.ofNullable(workloads.get(workload));
      if (current.equals(entry)) {
        return;
      }
      pendingWorkloads.put(workload, entry);
      scheduleFlush();
    }

    private void scheduleFlush() {
      if (!flushScheduled) {
        flushScheduled = true;
        pendingSinceNanos = System.nanoTime();
        flusher.schedule(this::flush, window.toMillis(), TimeUnit.MILLISECONDS);
      }
    }

    void flush() {
      CompletableFuture<Void> done;
      synchronized (this) {
        flushScheduled = false;
        Map<String, MapPeer> upserts = new LinkedHashMap<>();
        Set<String> removed = new LinkedHashSet<>();
        Instant now = clock.instant();
        pending.forEach((name, entry) -> {
          Member before = published.get(name);
          if (entry.isPresent()) {
            upserts.put(name, entry.get());
            published.put(name, new Member(entry.get(), before == null ? now : before.since()));
          } else if (before != null) {
            removed.add(name);
            published.remove(name);
          }
        });
        pending.clear();
        Set<String> replicasChanged = new LinkedHashSet<>();
        boolean dnsChanged = false;
        for (var change : pendingWorkloads.entrySet()) {
          WorkloadMap before = workloads.get(change.getKey());
          WorkloadMap after = change.getValue().orElse(null);
          Map<String, List<AssignedReplica>> was = before == null ? Map.of() : before.byPeer();
          Map<String, List<AssignedReplica>> is = after == null ? Map.of() : after.byPeer();
          Set<String> peers = new LinkedHashSet<>(was.keySet());
          peers.addAll(is.keySet());
          peers.stream().filter(p -> !Objects.equals(was.get(p), is.get(p))).forEach(replicasChanged::add);
          dnsChanged |= !Objects.equals(before == null ? null : before.dns(), after == null ? null : after.dns());
          if (after == null) {
            workloads.remove(change.getKey());
          } else {
            workloads.put(change.getKey(), after);
          }
        }
        pendingWorkloads.clear();
        Set<String> selvesChanged = new LinkedHashSet<>(pendingSelves);
        pendingSelves.clear();
        if (upserts.isEmpty() && removed.isEmpty() && selvesChanged.isEmpty() && replicasChanged.isEmpty()
            && !dnsChanged) {
          return;
        }
        version++;
        history.addLast(new Version(version, upserts, removed, selvesChanged, replicasChanged, dnsChanged,
            pendingSinceNanos));
        while (history.size() > HISTORY) {
          history.removeFirst();
        }
        done = nextChange;
        nextChange = new CompletableFuture<>();
      }
      done.complete(null); // outside the lock: waiting polls answer on their own threads
    }

    /** The map for one peer since its version; empty when it already has the latest. */
    synchronized Optional<Reply> since(String peer, Optional<Long> since) {
      if (since.isPresent() && since.get() == version) {
        return Optional.empty();
      }
      SelfConfig self = selves.get(peer);
      String token = epoch + "." + version;
      long from = since.orElse(-1L);
      boolean deltaPossible = from >= 0 && from < version && !history.isEmpty()
          && history.peekFirst().number() <= from + 1;
      if (!deltaPossible) {
        if (everyoneVersion != version || everyone == null) {
          everyone = SharedPeers.of(published.values().stream().map(Member::peer).toList());
          everyoneVersion = version;
        }
        return Optional.of(new Full(token, self, everyone, peer, replicasOf(peer), dns()));
      }
      Map<String, MapPeer> upserts = new LinkedHashMap<>();
      Set<String> removed = new LinkedHashSet<>();
      boolean selfChanged = false;
      boolean replicasChanged = false;
      boolean dnsChanged = false;
      for (Version v : history) {
        if (v.number() <= from) {
          continue;
        }
        selfChanged |= v.selvesChanged().contains(peer);
        replicasChanged |= v.replicasChanged().contains(peer);
        dnsChanged |= v.dnsChanged();
        v.upserts().forEach((name, entry) -> {
          upserts.put(name, entry);
          removed.remove(name);
        });
        v.removed().forEach(name -> {
          upserts.remove(name);
          removed.add(name);
        });
      }
      upserts.remove(peer);
      removed.remove(peer);
      // its own configuration only when it changed: it is most of a one-peer delta's bytes
      return Optional.of(new Delta(new NetMap(token, false, selfChanged ? self : null, List.copyOf(upserts.values()),
          removed.isEmpty() ? null : List.copyOf(removed), replicasChanged ? replicasOf(peer) : null,
          dnsChanged ? dns() : null)));
    }

    /** What the peer runs, by replica name. */
    private List<AssignedReplica> replicasOf(String peer) {
      List<AssignedReplica> replicas = new ArrayList<>();
      workloads.values().forEach(w -> replicas.addAll(w.byPeer().getOrDefault(peer, List.of())));
      replicas.sort(java.util.Comparator.comparing(AssignedReplica::name));
      return replicas;
    }

    private List<DnsRecord> dns() {
      List<DnsRecord> records = new ArrayList<>();
      workloads.values().forEach(w -> records.addAll(w.dns()));
      records.sort(java.util.Comparator.comparing(DnsRecord::name));
      return records;
    }
  }

  private ClusterMap map(String namespace, String cluster) {
    return clusters.computeIfAbsent(namespace + "/" + cluster, k -> new ClusterMap());
  }

  // --- what the watch tells us ---

  void peerChanged(Peer peer) {
    if (peer.getSpec() == null || peer.getSpec().getClusterRef() == null) {
      return;
    }
    String namespace = peer.getMetadata().getNamespace();
    String clusterName = peer.getSpec().getClusterRef().getName();
    Optional<MeshCluster> cluster = directory == null ? Optional.empty() : directory.cluster(namespace, clusterName);
    ClusterMap map = map(namespace, clusterName);
    String name = peer.getMetadata().getName();
    map.offerSelf(name, cluster.flatMap(c -> selfOf(peer, c)));
    map.offer(name, cluster.flatMap(c -> entryOf(peer, c)));
  }

  void peerGone(Peer peer) {
    if (peer.getSpec() == null || peer.getSpec().getClusterRef() == null) {
      return;
    }
    ClusterMap map = map(peer.getMetadata().getNamespace(), peer.getSpec().getClusterRef().getName());
    map.offerSelf(peer.getMetadata().getName(), Optional.empty());
    map.offer(peer.getMetadata().getName(), Optional.empty());
  }

  /** A workload's replicas and names, as its reconciler decided them; empty when it is gone. */
  public void workloadChanged(String namespace, String cluster, String workload, Optional<WorkloadMap> entry) {
    map(namespace, cluster).offerWorkload(workload, entry);
  }

  void clusterChanged(MeshCluster cluster) {
    if (directory == null) {
      return;
    }
    // keepalive, port or MTU may have changed: every peer's entry is computed again
    directory.peersOf(cluster.getMetadata().getNamespace(), cluster.getMetadata().getName())
        .forEach(this::peerChanged);
  }

  /** Ready peers with a key, a subnet and an endpoint are on the map; nobody else is. */
  static Optional<MapPeer> entryOf(Peer peer, MeshCluster cluster) {
    var status = peer.getStatus();
    if (peer.isMarkedForDeletion() || status == null || status.getPhase() != PeerPhase.READY
        || status.getPublicKey() == null || status.getSubnet() == null || status.getEndpoint() == null) {
      return Optional.empty();
    }
    NetworkSpec network = cluster.getSpec().getNetwork();
    Integer keepalive = network == null ? null : network.getPersistentKeepalive();
    return Optional.of(new MapPeer(peer.getMetadata().getName(), status.getPublicKey(),
        List.of(status.getEndpoint()), List.of(status.getSubnet()),
        keepalive == null || keepalive == 0 ? null : keepalive));
  }

  static Optional<SelfConfig> selfOf(Peer peer, MeshCluster cluster) {
    var status = peer.getStatus();
    if (status == null || status.getMeshAddress() == null || status.getSubnet() == null) {
      return Optional.empty();
    }
    return Optional.of(selfConfig(peer.getMetadata().getName(), cluster, status.getMeshAddress(), status.getSubnet()));
  }

  public static SelfConfig selfConfig(String peer, MeshCluster cluster, String meshAddress, String subnet) {
    NetworkSpec network = cluster.getSpec().getNetwork();
    return new SelfConfig(peer, cluster.getMetadata().getName(), meshAddress, subnet, network.getCidr(),
        Objects.requireNonNullElse(network.getListenPort(), 51820), network.getMtu(), cluster.getSpec().getDomain());
  }

  // --- what agents ask ---

  /**
   * The peer's map since {@code since}: at once when there is something new for it, otherwise
   * when the next version is published, or empty after {@code timeout}.
   */
  public CompletionStage<Optional<Reply>> poll(
      String namespace, String cluster, String peer, String since, Duration timeout) {
    ClusterMap map = map(namespace, cluster);
    return awaitNews(map, peer, parse(since), System.nanoTime() + timeout.toNanos(), false);
  }

  /** Versions that change only this peer's own entry (not its configuration) are no news to it: it keeps waiting. */
  private CompletableFuture<Optional<Reply>> awaitNews(
      ClusterMap map, String peer, Optional<Long> version, long deadline, boolean woken) {
    CompletableFuture<Void> next;
    synchronized (map) {
      Optional<Reply> now = map.since(peer, version);
      if (now.isPresent() && isNews(now.get())) {
        if (woken && !map.history.isEmpty()) {
          // a push: the agent was waiting when the change came (an agent behind is no push)
          pushLatency.record(System.nanoTime() - map.history.getLast().changedAtNanos(), TimeUnit.NANOSECONDS);
        }
        return CompletableFuture.completedFuture(now);
      }
      next = map.nextChange;
    }
    long remaining = deadline - System.nanoTime();
    if (remaining <= 0) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return next
        .thenComposeAsync(ignored -> awaitNews(map, peer, version, deadline, true), answers)
        .completeOnTimeout(Optional.empty(), remaining, TimeUnit.NANOSECONDS);
  }

  private static boolean isNews(Reply reply) {
    if (reply instanceof Full) {
      return true;
    }
    NetMap map = ((Delta) reply).map();
    return map.self() != null || !map.peers().isEmpty() || map.removed() != null || map.replicas() != null
        || map.dns() != null;
  }

  /** The other peers a peer should have tunnels to now, by public key. */
  public Map<String, Member> expectedPeers(String namespace, String cluster, String peer) {
    ClusterMap map = map(namespace, cluster);
    Map<String, Member> expected = new HashMap<>();
    synchronized (map) {
      map.published.forEach((name, member) -> {
        if (!name.equals(peer)) {
          expected.put(member.peer().publicKey(), member);
        }
      });
    }
    return expected;
  }

  private Optional<Long> parse(String since) {
    if (since == null || !since.startsWith(epoch + ".")) {
      return Optional.empty(); // another operator process's version, or none: a full map
    }
    try {
      return Optional.of(Long.parseLong(since.substring(epoch.length() + 1)));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
