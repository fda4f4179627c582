package io.meshfed.operator.autoscaler;

import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.operator.scheduler.Amounts;
import io.meshfed.operator.scheduler.Demand;
import io.meshfed.operator.scheduler.Node;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The autoscaler's decisions for one cluster: a pure function of its pools, their peers, the
 * replicas that wait for room and the cluster's limits. No API, no clock (now is an input).
 *
 * <p>Scale up: replicas that wait are first counted against the free room of peers that take
 * replicas now and of peers pools are already making; the rest are packed (largest first) onto new
 * peers of each pool that may grow, and the pool with the highest weight, then the most replicas
 * placed, then the least waste wins; its peers are added and the rest goes round again. Replicas
 * that no pool's peer could hold, even alone, are reported as unfit and never make a pool grow.
 *
 * <p>Scale down: a Ready peer whose use is below the pool's threshold, and whose replicas would fit
 * on the other peers, is idle; idle for {@code scaleDownAfter}, past the cooldown after a scale-up,
 * while nothing waits that the pool could hold, it goes: drained first when replicas run there,
 * deleted once empty. Never below {@code minReplicas}, never more of the pool's peers unavailable
 * (draining, deleting, not Ready) than the budget allows.
 */
public final class Autoscaler {
  private Autoscaler() {}

  /** What one peer of a pool holds. */
  public record Capacity(long cpuMillis, long memoryBytes) {
    @Override
    public String toString() {
      return "cpu " + Amounts.cpu(cpuMillis) + ", memory " + Amounts.memory(memoryBytes);
    }
  }

  /**
   * An autoscaled pool.
   *
   * @param size the peers it has or is making: the larger of its live peers and its last wanted
   *     size
   * @param capacity of one new peer; empty when unknown (the pool cannot grow)
   * @param maxUnavailable its budget, resolved to a count
   * @param lastScaleUp null when it never grew
   */
  public record Pool(
      String name,
      int weight,
      int min,
      int max,
      ProviderType provider,
      String region,
      Map<String, String> labels,
      String instanceType,
      Optional<Capacity> capacity,
      int size,
      List<Member> members,
      Instant lastScaleUp,
      Duration cooldown,
      Duration scaleDownAfter,
      int utilizationThreshold,
      int maxUnavailable) {

    /** A new peer of this pool, as the scheduler would see it. */
    Node newNode(String name) {
      Capacity c = capacity.orElse(new Capacity(0, 0));
      return new Node(name, provider, region, labels, true, true, c.cpuMillis(), c.memoryBytes());
    }

    String describe() {
      return instanceType == null ? name : instanceType;
    }
  }

  /**
   * A peer of a pool.
   *
   * @param idleSince since when the autoscaler counts it idle; null when it does not
   */
  public record Member(
      String name, boolean ready, boolean terminating, boolean draining, Instant idleSince) {}

  /** One replica that runs on a peer: what it needs and where it may go. */
  public record Replica(String workload, long cpuMillis, long memoryBytes, Demand demand) {}

  /**
   * A peer of the cluster with what runs there, for the question "would these replicas fit
   * elsewhere?".
   *
   * @param node as the scheduler sees it (allocatable, whether it takes new replicas)
   * @param replicas what runs there now
   */
  public record Host(Node node, List<Replica> replicas) {
    long cpuUsed() {
      return replicas.stream().mapToLong(Replica::cpuMillis).sum();
    }

    long memoryUsed() {
      return replicas.stream().mapToLong(Replica::memoryBytes).sum();
    }
  }

  /** Replicas of one workload that found no peer. */
  public record Pending(Demand demand, int count) {}

  /**
   * The cluster's caps (null: none) and what it has now (peers, and their cpu and memory, those
   * being made counted at their pool's capacity).
   */
  public record Limits(
      Integer peers, Long cpuMillis, Long memoryBytes, int peersNow, long cpuNow, long memoryNow) {
    static Limits none() {
      return new Limits(null, null, null, 0, 0, 0);
    }

    /** How many more peers of this capacity fit under the caps. */
    int headroom(Capacity c) {
      long room = Integer.MAX_VALUE;
      if (peers != null) {
        room = Math.min(room, peers - peersNow);
      }
      if (cpuMillis != null && c.cpuMillis() > 0) {
        room = Math.min(room, (cpuMillis - cpuNow) / c.cpuMillis());
      }
      if (memoryBytes != null && c.memoryBytes() > 0) {
        room = Math.min(room, (memoryBytes - memoryNow) / c.memoryBytes());
      }
      return (int) Math.max(0, room);
    }

    Limits plus(int peers, Capacity c) {
      return new Limits(
          this.peers,
          cpuMillis,
          memoryBytes,
          peersNow + peers,
          cpuNow + peers * c.cpuMillis(),
          memoryNow + peers * c.memoryBytes());
    }
  }

  public record Input(
      List<Pool> pools, List<Host> hosts, List<Pending> pending, Limits limits, Instant now) {}

  /**
   * What one pool does now.
   *
   * @param desired the size it wants (kept in its status)
   * @param added peers to add, 0 when it does not grow
   * @param scaleUpReason why it grows, for the event and status
   * @param drain peers to start draining (replicas run there)
   * @param delete peers to delete (empty, idle long enough, within the budget)
   * @param undrain draining peers whose replicas no longer fit elsewhere: they stay
   * @param idleSince its idle peers and since when, to keep in its status
   * @param scaleDownReason why it shrinks
   */
  public record PoolDecision(
      int desired,
      int added,
      String scaleUpReason,
      List<String> drain,
      List<String> delete,
      List<String> undrain,
      Map<String, Instant> idleSince,
      String scaleDownReason) {}

  /** Replicas of a workload no pool's new peer could hold, and why: the Workload says so. */
  public record Unfit(String workload, int replicas, String reason) {}

  public record Decision(Map<String, PoolDecision> pools, List<Unfit> unfit) {}

  private record Unit(Demand demand) {
    long cpu() {
      return demand.cpuMillis();
    }

    long memory() {
      return demand.memoryBytes();
    }
  }

  /** A peer being packed in a simulation: what it has left, and which workloads run there. */
  private static final class Bin {
    final Node node;
    long cpuFree;
    long memoryFree;
    final Set<String> workloads = new HashSet<>();

    Bin(Node node, long cpuFree, long memoryFree) {
      this.node = node;
      this.cpuFree = cpuFree;
      this.memoryFree = memoryFree;
    }

    boolean takes(Demand d) {
      return d.matches(node)
          && d.cpuMillis() <= cpuFree
          && d.memoryBytes() <= memoryFree
          && !(d.onePerPeer() && workloads.contains(d.workload()));
    }

    void put(Demand d) {
      cpuFree -= d.cpuMillis();
      memoryFree -= d.memoryBytes();
      workloads.add(d.workload());
    }
  }

  public static Decision decide(Input in) {
    List<Pool> pools = in.pools().stream().sorted(Comparator.comparing(Pool::name)).toList();
    List<Unfit> unfit = new ArrayList<>();
    List<Unit> waiting = units(in.pending(), pools, unfit);

    // room on peers that take replicas now (one just Ready, say, before the scheduler used it),
    // then on peers pools are already making: what waits may be on its way there
    waiting =
        pack(
            waiting,
            new ArrayList<>(
                rooms(in.hosts()).values().stream().filter(b -> b.node.acceptsNew()).toList()));
    for (Pool pool : pools) {
      long ready = pool.members().stream().filter(m -> m.ready() && !m.terminating()).count();
      List<Bin> upcoming = new ArrayList<>();
      for (long i = ready; i < pool.size() && pool.capacity().isPresent(); i++) {
        Capacity c = pool.capacity().get();
        upcoming.add(
            new Bin(pool.newNode(pool.name() + "-upcoming-" + i), c.cpuMillis(), c.memoryBytes()));
      }
      waiting = pack(waiting, upcoming);
    }

    // grow: the best pool for what still waits, until nothing waits or no pool can take more
    Map<String, Integer> added = new HashMap<>();
    Map<String, Map<String, Integer>> placedFor = new HashMap<>();
    Limits limits = in.limits() == null ? Limits.none() : in.limits();
    while (!waiting.isEmpty()) {
      Growth best = null;
      for (Pool pool : pools) {
        if (pool.capacity().isEmpty()) {
          continue;
        }
        int headroom =
            Math.min(
                pool.max() - pool.size() - added.getOrDefault(pool.name(), 0),
                limits.headroom(pool.capacity().get()));
        Growth growth = grow(pool, waiting, headroom);
        if (growth.peers() > 0 && (best == null || growth.betterThan(best))) {
          best = growth;
        }
      }
      if (best == null) {
        break;
      }
      Growth chosen = best;
      added.merge(chosen.pool().name(), chosen.peers(), Integer::sum);
      chosen
          .placed()
          .forEach(
              (w, n) ->
                  placedFor
                      .computeIfAbsent(chosen.pool().name(), k -> new TreeMap<>())
                      .merge(w, n, Integer::sum));
      limits = limits.plus(chosen.peers(), chosen.pool().capacity().get());
      waiting = chosen.left();
    }

    Map<String, PoolDecision> decisions = new LinkedHashMap<>();
    Map<String, Bin> room = rooms(in.hosts());
    List<Unit> stillWaiting = waiting;
    for (Pool pool : pools) {
      int grow = added.getOrDefault(pool.name(), 0);
      String upReason =
          grow == 0
              ? null
              : "+"
                  + grow
                  + (grow == 1 ? " peer" : " peers")
                  + " ("
                  + pool.describe()
                  + ") for "
                  + describe(placedFor.get(pool.name()));
      Pool p = pool;
      boolean someoneWaitsHere =
          stillWaiting.stream().anyMatch(u -> u.demand().matches(p.newNode(p.name() + "-probe")));
      decisions.put(
          pool.name(),
          grow > 0 || someoneWaitsHere
              ? new PoolDecision(
                  Math.max(pool.min(), Math.min(pool.max(), pool.size() + grow)),
                  grow,
                  upReason,
                  List.of(),
                  List.of(),
                  List.of(),
                  Map.of(),
                  null)
              : shrink(pool, in, room));
    }
    return new Decision(decisions, unfit);
  }

  /** Each waiting replica as a unit, largest first; those no pool could ever hold are unfit. */
  private static List<Unit> units(List<Pending> pending, List<Pool> pools, List<Unfit> unfit) {
    List<Unit> units = new ArrayList<>();
    for (Pending p :
        pending.stream().sorted(Comparator.comparing(x -> x.demand().workload())).toList()) {
      Demand d = p.demand();
      Optional<String> why = whyNoPoolFits(d, pools);
      if (why.isPresent()) {
        unfit.add(new Unfit(d.workload(), p.count(), why.get()));
        continue;
      }
      for (int i = 0; i < p.count(); i++) {
        units.add(new Unit(d));
      }
    }
    units.sort(
        Comparator.comparingLong(Unit::cpu)
            .thenComparingLong(Unit::memory)
            .reversed()
            .thenComparing(u -> u.demand().workload()));
    return units;
  }

  /** Empty when some pool's new peer could hold one replica; otherwise why none can. */
  public static Optional<String> whyNoPoolFits(Demand d, List<Pool> pools) {
    if (pools.isEmpty()) {
      return Optional.of("no autoscaled pool in the cluster could add a peer for it");
    }
    List<String> reasons = new ArrayList<>();
    for (Pool pool : pools) {
      Node node = pool.newNode(pool.name() + "-probe");
      if (!d.matches(node)) {
        reasons.add(
            "pool "
                + pool.name()
                + " does not match the placement (provider "
                + pool.provider().value()
                + (pool.region() == null ? "" : ", region " + pool.region())
                + ")");
      } else if (pool.capacity().isEmpty()) {
        reasons.add("pool " + pool.name() + " has no known capacity (set spec.capacity)");
      } else if (d.cpuMillis() > node.cpuMillis() || d.memoryBytes() > node.memoryBytes()) {
        reasons.add(
            "pool "
                + pool.name()
                + "'s peers ("
                + pool.describe()
                + ": "
                + pool.capacity().get()
                + ") are too small");
      } else {
        return Optional.empty();
      }
    }
    return Optional.of(
        "each replica needs cpu "
            + Amounts.cpu(d.cpuMillis())
            + " and memory "
            + Amounts.memory(d.memoryBytes())
            + " and no pool can grow for it: "
            + String.join("; ", reasons));
  }

  private record Growth(
      Pool pool,
      int peers,
      Map<String, Integer> placed,
      int placedCount,
      double waste,
      List<Unit> left) {
    boolean betterThan(Growth other) {
      if (pool.weight() != other.pool.weight()) {
        return pool.weight() > other.pool.weight();
      }
      if (placedCount != other.placedCount) {
        return placedCount > other.placedCount;
      }
      if (Double.compare(waste, other.waste) != 0) {
        return waste < other.waste;
      }
      return pool.name().compareTo(other.pool.name()) < 0;
    }
  }

  /**
   * First-fit of the waiting units onto as few new peers of the pool as place them, up to headroom.
   */
  private static Growth grow(Pool pool, List<Unit> waiting, int headroom) {
    Capacity c = pool.capacity().get();
    List<Bin> bins = new ArrayList<>();
    List<Unit> left = new ArrayList<>();
    Map<String, Integer> placed = new TreeMap<>();
    for (Unit unit : waiting) {
      Bin bin = bins.stream().filter(b -> b.takes(unit.demand())).findFirst().orElse(null);
      if (bin == null && bins.size() < headroom) {
        Bin fresh =
            new Bin(
                pool.newNode(pool.name() + "-new-" + bins.size()), c.cpuMillis(), c.memoryBytes());
        if (fresh.takes(unit.demand())) {
          bins.add(fresh);
          bin = fresh;
        }
      }
      if (bin == null) {
        left.add(unit);
      } else {
        bin.put(unit.demand());
        placed.merge(unit.demand().workload(), 1, Integer::sum);
      }
    }
    double waste =
        bins.stream()
                .mapToDouble(
                    b ->
                        (b.cpuFree / (double) Math.max(1, c.cpuMillis())
                                + b.memoryFree / (double) Math.max(1, c.memoryBytes()))
                            / 2)
                .sum()
            / Math.max(1, bins.size());
    return new Growth(pool, bins.size(), placed, waiting.size() - left.size(), waste, left);
  }

  private static List<Unit> pack(List<Unit> units, List<Bin> bins) {
    List<Unit> left = new ArrayList<>();
    for (Unit unit : units) {
      Bin bin = bins.stream().filter(b -> b.takes(unit.demand())).findFirst().orElse(null);
      if (bin == null) {
        left.add(unit);
      } else {
        bin.put(unit.demand());
      }
    }
    return left;
  }

  private static Map<String, Bin> rooms(List<Host> hosts) {
    Map<String, Bin> rooms = new LinkedHashMap<>();
    for (Host host : hosts.stream().sorted(Comparator.comparing(h -> h.node().name())).toList()) {
      Bin bin =
          new Bin(
              host.node(),
              host.node().cpuMillis() - host.cpuUsed(),
              host.node().memoryBytes() - host.memoryUsed());
      host.replicas().forEach(r -> bin.workloads.add(r.workload()));
      rooms.put(host.node().name(), bin);
    }
    return rooms;
  }

  /**
   * Idle peers, the budget, the floor: who drains and who goes. {@code room} is shared across
   * pools.
   */
  private static PoolDecision shrink(Pool pool, Input in, Map<String, Bin> room) {
    Map<String, Host> hosts =
        in.hosts().stream().collect(Collectors.toMap(h -> h.node().name(), h -> h, (a, b) -> a));
    Map<String, Instant> idle = new TreeMap<>();
    List<String> undrain = new ArrayList<>();
    List<Member> live = pool.members().stream().filter(m -> !m.terminating()).toList();
    for (Member m : live) {
      Host host = hosts.get(m.name());
      if (!m.ready() || host == null) {
        continue;
      }
      boolean underused =
          utilization(host) < pool.utilizationThreshold() || host.replicas().isEmpty();
      boolean movable = host.replicas().isEmpty() || fitsElsewhere(host, room, false);
      if (m.draining() && !movable) {
        undrain.add(m.name()); // its replicas would have nowhere to go: it stays
      } else if (m.draining() || underused && movable) {
        idle.put(m.name(), m.idleSince() == null ? in.now() : m.idleSince());
      }
    }
    boolean coolingDown =
        pool.lastScaleUp() != null && in.now().isBefore(pool.lastScaleUp().plus(pool.cooldown()));
    long unavailable =
        pool.members().stream().filter(m -> m.terminating() || m.draining() || !m.ready()).count();
    int budget = (int) Math.max(0, pool.maxUnavailable() - unavailable);
    int floor = live.size() - pool.min();

    List<String> drain = new ArrayList<>();
    List<String> delete = new ArrayList<>();
    // draining peers that are empty now go first: they are unavailable already
    for (Member m : live) {
      Host host = hosts.get(m.name());
      if (m.draining()
          && !undrain.contains(m.name())
          && host != null
          && host.replicas().isEmpty()
          && delete.size() < floor) {
        delete.add(m.name());
      }
    }
    if (!coolingDown) {
      List<Member> candidates =
          live.stream()
              .filter(
                  m ->
                      !m.draining()
                          && idle.containsKey(m.name())
                          && !idle.get(m.name()).plus(pool.scaleDownAfter()).isAfter(in.now()))
              .sorted(
                  Comparator.comparingInt((Member m) -> hosts.get(m.name()).replicas().size())
                      .thenComparingDouble(m -> utilization(hosts.get(m.name())))
                      .thenComparing(Member::name, Comparator.reverseOrder()))
              .toList();
      for (Member m : candidates) {
        if (budget == 0 || delete.size() + drain.size() >= floor) {
          break;
        }
        Host host = hosts.get(m.name());
        if (host.replicas().isEmpty()) {
          delete.add(m.name());
        } else if (fitsElsewhere(host, room, true)) {
          drain.add(m.name());
        } else {
          continue;
        }
        room.remove(m.name()); // no one counts on a leaving peer's room
        budget--;
      }
    }
    String reason = null;
    if (!delete.isEmpty() || !drain.isEmpty()) {
      List<String> parts = new ArrayList<>();
      if (!delete.isEmpty()) {
        parts.add("-" + delete.size() + (delete.size() == 1 ? " peer " : " peers ") + delete);
      }
      if (!drain.isEmpty()) {
        parts.add("draining " + drain);
      }
      reason =
          String.join("; ", parts)
              + ": idle (below "
              + pool.utilizationThreshold()
              + "% use, replicas fit"
              + " elsewhere) for "
              + text(pool.scaleDownAfter())
              + " or more";
    }
    delete.forEach(idle::remove);
    // peers on their way stay wanted; a user's new bounds win over the last decision
    int desired = Math.max(pool.min(), Math.min(pool.max(), pool.size() - delete.size()));
    return new PoolDecision(desired, 0, null, drain, delete, undrain, idle, reason);
  }

  /** Use of the peer by its fuller resource, in percent of what it can give. */
  static int utilization(Host host) {
    double cpu =
        host.node().cpuMillis() == 0 ? 1 : host.cpuUsed() / (double) host.node().cpuMillis();
    double memory =
        host.node().memoryBytes() == 0 ? 1 : host.memoryUsed() / (double) host.node().memoryBytes();
    return (int) Math.round(Math.max(cpu, memory) * 100);
  }

  /**
   * Whether every replica of the host has a place on another peer that takes new replicas; when
   * {@code commit}, that room is taken, so the next peer considered does not count on it too.
   */
  private static boolean fitsElsewhere(Host host, Map<String, Bin> room, boolean commit) {
    Map<String, long[]> taken = new HashMap<>();
    Map<String, Set<String>> placedWorkloads = new HashMap<>();
    for (Replica r :
        host.replicas().stream()
            .sorted(Comparator.comparingLong(Replica::cpuMillis).reversed())
            .toList()) {
      Bin target = null;
      for (Bin bin : room.values()) {
        if (bin.node.name().equals(host.node().name()) || !bin.node.acceptsNew()) {
          continue;
        }
        long[] t = taken.getOrDefault(bin.node.name(), new long[2]);
        Set<String> extra = placedWorkloads.getOrDefault(bin.node.name(), Set.of());
        boolean samePeerClash =
            r.demand().onePerPeer()
                && (bin.workloads.contains(r.workload()) || extra.contains(r.workload()));
        if (r.demand().matches(bin.node)
            && !samePeerClash
            && r.cpuMillis() <= bin.cpuFree - t[0]
            && r.memoryBytes() <= bin.memoryFree - t[1]) {
          target = bin;
          break;
        }
      }
      if (target == null) {
        return false;
      }
      long[] t = taken.computeIfAbsent(target.node.name(), k -> new long[2]);
      t[0] += r.cpuMillis();
      t[1] += r.memoryBytes();
      placedWorkloads.computeIfAbsent(target.node.name(), k -> new HashSet<>()).add(r.workload());
    }
    if (commit) {
      taken.forEach(
          (name, t) -> {
            Bin bin = room.get(name);
            bin.cpuFree -= t[0];
            bin.memoryFree -= t[1];
            bin.workloads.addAll(placedWorkloads.get(name));
          });
    }
    return true;
  }

  /** 90s as 1m30s, 2h as 2h: how people write durations in a spec. */
  static String text(Duration d) {
    StringBuilder s = new StringBuilder();
    long seconds = d.toSeconds();
    if (seconds >= 3600) {
      s.append(seconds / 3600).append('h');
    }
    if (seconds % 3600 >= 60) {
      s.append(seconds % 3600 / 60).append('m');
    }
    if (seconds % 60 > 0 || s.isEmpty()) {
      s.append(seconds % 60).append('s');
    }
    return s.toString();
  }

  private static String describe(Map<String, Integer> placed) {
    if (placed == null || placed.isEmpty()) {
      return "pending replicas";
    }
    int total = placed.values().stream().mapToInt(Integer::intValue).sum();
    String workloads =
        placed.keySet().stream()
            .map(w -> w.substring(w.indexOf('/') + 1))
            .collect(Collectors.joining(", "));
    return total + " pending " + (total == 1 ? "replica" : "replicas") + " of " + workloads;
  }
}
