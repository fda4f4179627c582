package io.meshfed.operator.netmap;

import io.meshfed.api.agent.AssignedReplica;
import io.meshfed.api.agent.DnsRecord;
import io.meshfed.api.agent.MapPeer;
import io.meshfed.api.agent.NetMap;
import io.meshfed.api.agent.SelfConfig;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * One cluster's network map as a log of versions. Changes are offered (peers, each peer's own
 * configuration, workloads' replicas and names), then {@link #flush flushed} into one version that
 * keeps what it changed; {@link #since} answers a peer at version V with the union of the changes
 * after V, or the full map when V is unknown or too old. One join costs O(N) bytes over the whole
 * mesh, not O(N²).
 *
 * <p>Pure and single-threaded: no clock (the caller passes times), no locks, no I/O. The invariant
 * the property tests check: applying {@code since(v)} to the full map at v gives the full map now.
 */
public final class MapLog {
  private static final String PEER = "peer";
  private static final String WORKLOAD = "workload";

  /** Versions kept for deltas; an agent further behind gets the full map. */
  static final int DEFAULT_HISTORY = 256;

  /**
   * A peer of the map, since when it has been in it (handshakes take a moment), and the version
   * that brought it under its key: an agent at an older version does not have it yet.
   */
  public record Member(MapPeer peer, Instant since, long version) {}

  /**
   * The published members as a report's health reads them, without the map's lock: so that a report
   * is checked against what changed (the members its map lacks, those that joined recently), not
   * against all N members.
   */
  public interface Members {
    Map<String, Member> byKey();

    /** The member of that name, or null. */
    Member named(String name);

    /** Every member, by name. */
    Iterable<Member> inNameOrder();

    /** Members whose key was published after {@code version}. */
    Collection<Member> keyedAfter(long version);

    /** Members that joined after {@code time}. */
    Collection<Member> joinedAfter(Instant time);

    /** The members' persistent keepalives, distinct (0: none). */
    Set<Integer> keepalives();

    /** A view of a plain map (tests): O(N) per call. */
    static Members of(Map<String, Member> byKey) {
      MemberIndex index = new MemberIndex();
      byKey.values().forEach(member -> index.put(null, member));
      return index;
    }
  }

  /**
   * One workload's part of the maps: its replicas by the peer that runs them, and its names.
   *
   * @param byPeer peer name to the replicas placed there
   * @param dns the workload's names
   */
  public record WorkloadMap(Map<String, List<AssignedReplica>> byPeer, List<DnsRecord> dns) {}

  /** What a poll answers: only what changed, or everything. */
  public sealed interface View permits Delta, Full {
    long version();
  }

  /**
   * What changed after the peer's version. Null fields did not change; the peer's own entry is
   * never in {@code map.peers()}.
   */
  public record Delta(long version, NetMap map) implements View {}

  /**
   * Everything, for a peer whose version is unknown. The peers are {@link #members()} without the
   * peer itself (the caller serializes them once per version for every full answer).
   */
  public record Full(
      long version,
      SelfConfig self,
      List<AssignedReplica> replicas,
      List<DnsRecord> dns,
      Map<String, String> relays)
      implements View {}

  /** One published version: what changed from the one before. */
  private record Version(
      long number,
      Map<String, MapPeer> upserts,
      Set<String> removed,
      Set<String> selvesChanged,
      Set<String> replicasChanged,
      boolean dnsChanged,
      Set<String> relaysChanged,
      long changedAtNanos,
      long digest) {}

  private final int history;
  private long version;

  /** {@link MapDigest} of the published members and workloads: the same on every process. */
  private long digest;

  private final Map<String, Member> published = new LinkedHashMap<>();

  /** The published members, indexed for reports (readable without the lock). */
  private final MemberIndex members = new MemberIndex();

  private final Map<String, SelfConfig> selves = new HashMap<>();
  private final Map<String, WorkloadMap> workloads = new TreeMap<>();
  private final Map<String, Map<String, String>> relays = new HashMap<>();
  private final Set<String> pendingRelays = new LinkedHashSet<>();
  private final Map<String, Optional<MapPeer>> pendingPeers = new LinkedHashMap<>();
  private final Set<String> pendingSelves = new LinkedHashSet<>();
  private final Map<String, Optional<WorkloadMap>> pendingWorkloads = new LinkedHashMap<>();
  private final Deque<Version> versions = new ArrayDeque<>();

  public MapLog() {
    this(DEFAULT_HISTORY);
  }

  MapLog(int history) {
    this.history = history;
  }

  /** The newest published version (0 before the first). */
  public long version() {
    return version;
  }

  /** Offers a peer's entry (empty: it leaves the map); true when that is a change to publish. */
  public boolean offerPeer(String name, Optional<MapPeer> entry) {
    Optional<MapPeer> current =
        pendingPeers.containsKey(name)
            ? pendingPeers.get(name)
            : Optional.ofNullable(published.get(name)).map(Member::peer);
    if (current.equals(entry)) {
      return false;
    }
    pendingPeers.put(name, entry);
    return true;
  }

  /**
   * Offers a peer's own configuration (address, subnet, port, domain); true when it changed. It
   * takes effect at once for full maps (a peer that asks right after its join gets it), and goes in
   * the peer's next delta.
   */
  public boolean offerSelf(String name, Optional<SelfConfig> self) {
    if (Objects.equals(selves.get(name), self.orElse(null))) {
      return false;
    }
    self.ifPresentOrElse(s -> selves.put(name, s), () -> selves.remove(name));
    pendingSelves.add(name);
    return true;
  }

  /**
   * Offers the peers {@code peer} reaches through a relay (target → gateway; empty: none); true
   * when they changed.
   */
  public boolean offerRelays(String peer, Map<String, String> routes) {
    if (Objects.equals(relays.getOrDefault(peer, Map.of()), routes)) {
      return false;
    }
    if (routes.isEmpty()) {
      relays.remove(peer);
    } else {
      relays.put(peer, Map.copyOf(routes));
    }
    pendingRelays.add(peer);
    return true;
  }

  /** The peers that reach some peer through a relay now. */
  public Set<String> relayedPeers() {
    return Set.copyOf(relays.keySet());
  }

  /** Whether the peer's own configuration changed since the last flush. */
  public boolean hasPendingSelf(String peer) {
    return pendingSelves.contains(peer);
  }

  /** Offers a workload's replicas and names (empty: it is gone); true when they changed. */
  public boolean offerWorkload(String workload, Optional<WorkloadMap> entry) {
    Optional<WorkloadMap> current =
        pendingWorkloads.containsKey(workload)
            ? pendingWorkloads.get(workload)
            : Optional.ofNullable(workloads.get(workload));
    if (current.equals(entry)) {
      return false;
    }
    pendingWorkloads.put(workload, entry);
    return true;
  }

  /**
   * Publishes what was offered as one version. Returns the new version, or empty when the offers
   * cancelled out (a peer that came and went before the flush).
   *
   * @param now when the version is published: a new member's {@code since}
   * @param changedAtNanos when the first change of this version arrived, for push latency
   */
  public Optional<Long> flush(Instant now, long changedAtNanos) {
    Map<String, MapPeer> upserts = new LinkedHashMap<>();
    Set<String> removed = new LinkedHashSet<>();
    pendingPeers.forEach(
        (name, entry) -> {
          Member before = published.get(name);
          if (entry.isPresent()) {
            if (before == null || !before.peer().equals(entry.get())) {
              upserts.put(name, entry.get());
              digest += MapDigest.of(PEER, name, entry.get());
              if (before != null) {
                digest -= MapDigest.of(PEER, name, before.peer());
              }
            }
            boolean sameKey =
                before != null && before.peer().publicKey().equals(entry.get().publicKey());
            Member member =
                new Member(
                    entry.get(),
                    before == null ? now : before.since(),
                    sameKey ? before.version() : version + 1);
            published.put(name, member);
            members.put(before, member);
          } else if (before != null) {
            digest -= MapDigest.of(PEER, name, before.peer());
            removed.add(name);
            published.remove(name);
            members.remove(before);
          }
        });
    pendingPeers.clear();

    Set<String> replicasChanged = new LinkedHashSet<>();
    boolean dnsChanged = false;
    for (var change : pendingWorkloads.entrySet()) {
      WorkloadMap before = workloads.get(change.getKey());
      WorkloadMap after = change.getValue().orElse(null);
      Map<String, List<AssignedReplica>> was = before == null ? Map.of() : before.byPeer();
      Map<String, List<AssignedReplica>> is = after == null ? Map.of() : after.byPeer();
      Set<String> peers = new LinkedHashSet<>(was.keySet());
      peers.addAll(is.keySet());
      peers.stream()
          .filter(p -> !Objects.equals(was.get(p), is.get(p)))
          .forEach(replicasChanged::add);
      dnsChanged |=
          !Objects.equals(before == null ? null : before.dns(), after == null ? null : after.dns());
      if (before != null) {
        digest -= MapDigest.of(WORKLOAD, change.getKey(), before);
      }
      if (after == null) {
        workloads.remove(change.getKey());
      } else {
        digest += MapDigest.of(WORKLOAD, change.getKey(), after);
        workloads.put(change.getKey(), after);
      }
    }
    pendingWorkloads.clear();

    Set<String> selvesChanged = new LinkedHashSet<>(pendingSelves);
    pendingSelves.clear();
    Set<String> relaysChanged = new LinkedHashSet<>(pendingRelays);
    pendingRelays.clear();

    if (upserts.isEmpty()
        && removed.isEmpty()
        && selvesChanged.isEmpty()
        && replicasChanged.isEmpty()
        && relaysChanged.isEmpty()
        && !dnsChanged) {
      return Optional.empty();
    }
    version++;
    versions.addLast(
        new Version(
            version,
            upserts,
            removed,
            selvesChanged,
            replicasChanged,
            dnsChanged,
            relaysChanged,
            changedAtNanos,
            digest));
    while (versions.size() > history) {
      versions.removeFirst();
    }
    return Optional.of(version);
  }

  /** The newest version's {@link MapDigest}. */
  public long digest() {
    return digest;
  }

  /**
   * The newest version this log still holds whose members and workloads had {@code digest}: where
   * an agent whose map came from another process (an operator restarted, another replica) stands in
   * this one's versions.
   */
  public Optional<Long> versionWithDigest(long digest) {
    if (digest == this.digest) {
      return Optional.of(version);
    }
    var newestFirst = versions.descendingIterator();
    while (newestFirst.hasNext()) {
      Version v = newestFirst.next();
      if (v.digest() == digest) {
        return Optional.of(v.number());
      }
    }
    return Optional.empty();
  }

  /** When the first change of the newest version arrived (for push latency); empty before any. */
  public Optional<Long> newestChangedAtNanos() {
    return versions.isEmpty() ? Optional.empty() : Optional.of(versions.getLast().changedAtNanos());
  }

  /**
   * The map for {@code peer} at version {@code from}: empty when it has the newest; a delta when
   * the log still holds every version after {@code from}; the full map otherwise (or when {@code
   * from} is empty).
   */
  public Optional<View> since(String peer, Optional<Long> from) {
    return since(peer, from, false);
  }

  /**
   * As {@link #since(String, Optional)}; {@code foreign}: {@code from} is where another process's
   * version stands here ({@link #versionWithDigest}), which vouches for the members and workloads
   * only — the peer's own configuration and relays come whole, as this process has them.
   */
  public Optional<View> since(String peer, Optional<Long> from, boolean foreign) {
    if (from.isPresent() && from.get() == version && !foreign) {
      return Optional.empty();
    }
    long after = from.orElse(-1L);
    boolean deltaPossible =
        after >= 0
            && (after < version || (foreign && after == version))
            && !versions.isEmpty()
            && versions.peekFirst().number() <= after + 1;
    if (!deltaPossible) {
      return Optional.of(
          new Full(version, selves.get(peer), replicasOf(peer), dns(), relaysOf(peer)));
    }
    Map<String, MapPeer> upserts = new LinkedHashMap<>();
    Set<String> removed = new LinkedHashSet<>();
    boolean selfChanged = false;
    boolean replicasChanged = false;
    boolean dnsChanged = false;
    boolean relaysChanged = false;
    for (Version v : versions) {
      if (v.number() <= after) {
        continue;
      }
      selfChanged |= v.selvesChanged().contains(peer);
      replicasChanged |= v.replicasChanged().contains(peer);
      dnsChanged |= v.dnsChanged();
      relaysChanged |= v.relaysChanged().contains(peer);
      v.upserts()
          .forEach(
              (name, entry) -> {
                upserts.put(name, entry);
                removed.remove(name);
              });
      v.removed()
          .forEach(
              name -> {
                upserts.remove(name);
                removed.add(name);
              });
    }
    upserts.remove(peer);
    removed.remove(peer);
    // its own configuration only when it changed: it is most of a one-peer delta's bytes
    NetMap map =
        new NetMap(
            null,
            false,
            selfChanged || foreign ? selves.get(peer) : null,
            List.copyOf(upserts.values()),
            removed.isEmpty() ? null : List.copyOf(removed),
            replicasChanged ? replicasOf(peer) : null,
            dnsChanged ? dns() : null,
            relaysChanged || foreign ? relaysOf(peer) : null);
    return Optional.of(new Delta(version, map));
  }

  /** Whether a delta tells its peer anything (a version may change only the peer's own entry). */
  public static boolean isNews(View view) {
    if (view instanceof Full) {
      return true;
    }
    NetMap map = ((Delta) view).map();
    return map.self() != null
        || !map.peers().isEmpty()
        || map.removed() != null
        || map.replicas() != null
        || map.dns() != null
        || map.relays() != null;
  }

  /** Every published peer, in the order they joined. */
  public List<MapPeer> members() {
    return published.values().stream().map(Member::peer).toList();
  }

  /** Every published member by public key: a live, unmodifiable view, safe without the lock. */
  public Map<String, Member> byKey() {
    return members.byKey();
  }

  /** The published members, indexed for reports: a live view, safe without the lock. */
  public Members membersView() {
    return members;
  }

  /** The peers {@code peer} reaches through a relay, sorted by name. */
  private Map<String, String> relaysOf(String peer) {
    return new TreeMap<>(relays.getOrDefault(peer, Map.of()));
  }

  /** What the peer runs, by replica name. */
  private List<AssignedReplica> replicasOf(String peer) {
    List<AssignedReplica> replicas = new ArrayList<>();
    workloads.values().forEach(w -> replicas.addAll(w.byPeer().getOrDefault(peer, List.of())));
    replicas.sort(Comparator.comparing(AssignedReplica::name));
    return replicas;
  }

  private List<DnsRecord> dns() {
    List<DnsRecord> records = new ArrayList<>();
    workloads.values().forEach(w -> records.addAll(w.dns()));
    records.sort(Comparator.comparing(DnsRecord::name));
    return records;
  }
}
