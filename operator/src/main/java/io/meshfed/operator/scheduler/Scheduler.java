package io.meshfed.operator.scheduler;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Where replicas run: a pure function of the peers, a workload and what other workloads already
 * reserve. Running replicas stay where they are while their peer keeps them; missing ones go to
 * matching peers that have room, spread across the workload's spread key, the least loaded first.
 */
public final class Scheduler {
  public static final String SCHEDULED = "Scheduled";
  public static final String NO_MATCHING_PEER = "NoMatchingPeer";
  public static final String NO_RESOURCES_AVAILABLE = "NoResourcesAvailable";

  private Scheduler() {}

  /**
   * @param placements replica index to peer, for every replica placed
   * @param unplaced replicas that found no peer
   * @param reason {@link #SCHEDULED}, {@link #NO_MATCHING_PEER} or {@link #NO_RESOURCES_AVAILABLE}
   * @param message what a person needs to know, naming what is missing
   */
  public record Decision(
      Map<Integer, String> placements, int unplaced, String reason, String message) {
    public boolean scheduled() {
      return unplaced == 0;
    }
  }

  /** Cpu and memory reserved on each peer; {@link #place} adds what it places. */
  public static final class Ledger {
    private final Map<String, long[]> used = new HashMap<>();

    /**
     * What the other workloads of a cluster hold where they run now ({@link Demand#current}): the
     * ledger one workload is placed against. Reserving every other workload's running replicas
     * first means a workload placed early never takes room a later one's running replicas hold.
     */
    public static Ledger reserving(Collection<Demand> others) {
      Ledger ledger = new Ledger();
      for (Demand other : others) {
        other
            .current()
            .values()
            .forEach(peer -> ledger.reserve(peer, other.cpuMillis(), other.memoryBytes()));
      }
      return ledger;
    }

    public void reserve(String node, long cpuMillis, long memoryBytes) {
      long[] amounts = used.computeIfAbsent(node, k -> new long[2]);
      amounts[0] += cpuMillis;
      amounts[1] += memoryBytes;
    }

    public long cpuMillis(String node) {
      long[] amounts = used.get(node);
      return amounts == null ? 0 : amounts[0];
    }

    public long memoryBytes(String node) {
      long[] amounts = used.get(node);
      return amounts == null ? 0 : amounts[1];
    }

    boolean fits(Node node, long cpuMillis, long memoryBytes) {
      return cpuMillis(node.name()) + cpuMillis <= node.cpuMillis()
          && memoryBytes(node.name()) + memoryBytes <= node.memoryBytes();
    }

    /** How full the peer is, by its fuller resource: 0 empty, 1 full. */
    double load(Node node) {
      double cpu = node.cpuMillis() == 0 ? 1 : cpuMillis(node.name()) / (double) node.cpuMillis();
      double memory =
          node.memoryBytes() == 0 ? 1 : memoryBytes(node.name()) / (double) node.memoryBytes();
      return Math.max(cpu, memory);
    }
  }

  /**
   * One workload, against a ledger that already holds what every other workload reserves ({@link
   * Ledger#reserving}). The Workload reconciler places a cluster's workloads this way, one at a
   * time.
   */
  public static Decision place(List<Node> nodes, Demand demand, Ledger ledger) {
    return fill(nodes, demand, ledger, keep(index(nodes), demand, ledger));
  }

  /**
   * The replicas that stay where they run, reserved in the ledger, with their counts by peer and
   * domain.
   */
  private record Kept(
      Map<Integer, String> placements,
      Map<String, Integer> onPeer,
      Map<String, Integer> inDomain) {}

  private static Map<String, Node> index(List<Node> nodes) {
    Map<String, Node> byName = new HashMap<>(nodes.size() * 2);
    nodes.forEach(n -> byName.put(n.name(), n));
    return byName;
  }

  private static Kept keep(Map<String, Node> byName, Demand demand, Ledger ledger) {
    Map<Integer, String> placements = new TreeMap<>();
    Map<String, Integer> onPeer = new HashMap<>();
    Map<String, Integer> inDomain = new HashMap<>();

    // running replicas stay; those not wanted go
    new TreeMap<>(demand.current())
        .forEach(
            (index, peer) -> {
              Node node = byName.get(peer);
              boolean keep =
                  demand.indices().contains(index)
                      && node != null
                      && node.keepsReplicas()
                      && !(demand.onePerPeer() && onPeer.containsKey(peer));
              if (keep) {
                placements.put(index, peer);
                ledger.reserve(peer, demand.cpuMillis(), demand.memoryBytes());
                onPeer.merge(peer, 1, Integer::sum);
                inDomain.merge(demand.spread().keyOf(node), 1, Integer::sum);
              }
            });
    return new Kept(placements, onPeer, inDomain);
  }

  private static Decision fill(List<Node> nodes, Demand demand, Ledger ledger, Kept kept) {
    Map<Integer, String> placements = kept.placements();
    Map<String, Integer> onPeer = kept.onPeer();
    Map<String, Integer> inDomain = kept.inDomain();
    List<Node> candidates = new ArrayList<>();
    for (Node node : nodes) {
      if (node.acceptsNew() && demand.matches(node)) {
        candidates.add(node);
      }
    }
    int unplaced = 0;
    for (int index : demand.indices()) {
      if (placements.containsKey(index)) {
        continue;
      }
      Node best = unplaced > 0 ? null : best(candidates, demand, ledger, onPeer, inDomain);
      if (best == null) {
        unplaced++; // the next replica asks the same: it will not fit either
        continue;
      }
      placements.put(index, best.name());
      ledger.reserve(best.name(), demand.cpuMillis(), demand.memoryBytes());
      onPeer.merge(best.name(), 1, Integer::sum);
      inDomain.merge(demand.spread().keyOf(best), 1, Integer::sum);
    }
    if (unplaced == 0) {
      return new Decision(
          placements, 0, SCHEDULED, "all " + demand.replicas() + " replicas are placed");
    }
    String reason = candidates.isEmpty() ? NO_MATCHING_PEER : NO_RESOURCES_AVAILABLE;
    String message =
        candidates.isEmpty()
            ? noMatchingPeer(nodes, demand, unplaced)
            : noResources(candidates, demand, ledger, onPeer, unplaced);
    return new Decision(placements, unplaced, reason, message);
  }

  /**
   * The candidate with room whose spread domain, then itself, has fewest of the workload, then the
   * least loaded.
   */
  private static Node best(
      List<Node> candidates,
      Demand demand,
      Ledger ledger,
      Map<String, Integer> onPeer,
      Map<String, Integer> inDomain) {
    Node best = null;
    int bestDomain = 0;
    int bestOwn = 0;
    double bestLoad = 0;
    for (Node node : candidates) {
      int own = onPeer.getOrDefault(node.name(), 0);
      if (demand.onePerPeer() && own > 0
          || !ledger.fits(node, demand.cpuMillis(), demand.memoryBytes())) {
        continue;
      }
      int domain = inDomain.getOrDefault(demand.spread().keyOf(node), 0);
      double load = ledger.load(node);
      boolean better;
      if (best == null) {
        better = true;
      } else if (domain != bestDomain) {
        better = domain < bestDomain;
      } else if (own != bestOwn) {
        better = own < bestOwn;
      } else if (load != bestLoad) {
        better = load < bestLoad;
      } else {
        better = node.name().compareTo(best.name()) < 0;
      }
      if (better) {
        best = node;
        bestDomain = domain;
        bestOwn = own;
        bestLoad = load;
      }
    }
    return best;
  }

  private static String noMatchingPeer(List<Node> nodes, Demand demand, int unplaced) {
    long open = nodes.stream().filter(Node::acceptsNew).count();
    String prefix = unplaced + " of " + demand.replicas() + " replicas cannot be placed: ";
    if (open == 0) {
      return prefix + "no peer of the cluster is Ready, schedulable and a worker";
    }
    List<String> wants = new ArrayList<>();
    if (!demand.providers().isEmpty()) {
      wants.add(
          "provider in "
              + sorted(
                  demand.providers().stream().map(String::valueOf).collect(Collectors.toSet())));
    }
    if (!demand.regions().isEmpty()) {
      wants.add("region in " + sorted(demand.regions()));
    }
    if (demand.peerSelectorText() != null) {
      wants.add("labels matching " + demand.peerSelectorText());
    }
    return prefix
        + "none of the "
        + open
        + " Ready schedulable worker peers has "
        + String.join(" and ", wants);
  }

  private static String noResources(
      List<Node> candidates,
      Demand demand,
      Ledger ledger,
      Map<String, Integer> onPeer,
      int unplaced) {
    StringBuilder message =
        new StringBuilder()
            .append(unplaced)
            .append(" of ")
            .append(demand.replicas())
            .append(" replicas cannot be placed: each needs cpu ")
            .append(Amounts.cpu(demand.cpuMillis()))
            .append(" and memory ")
            .append(Amounts.memory(demand.memoryBytes()));
    List<Node> open =
        demand.onePerPeer()
            ? candidates.stream().filter(n -> !onPeer.containsKey(n.name())).toList()
            : candidates;
    if (open.isEmpty()) {
      return message
          .append("; each of the ")
          .append(candidates.size())
          .append(
              " matching peers already runs one (a workload with ports runs at most one replica per peer)")
          .toString();
    }
    Node roomiest =
        open.stream()
            .max(
                Comparator.comparingDouble(
                        (Node n) ->
                            Math.min(
                                free(n.cpuMillis(), ledger.cpuMillis(n.name()))
                                    / (double) Math.max(1, demand.cpuMillis()),
                                free(n.memoryBytes(), ledger.memoryBytes(n.name()))
                                    / (double) Math.max(1, demand.memoryBytes())))
                    .thenComparing(Node::name, Comparator.reverseOrder()))
            .orElseThrow();
    return message
        .append("; the most free of the ")
        .append(open.size())
        .append(" matching peers is ")
        .append(roomiest.name())
        .append(" with cpu ")
        .append(Amounts.cpu(free(roomiest.cpuMillis(), ledger.cpuMillis(roomiest.name()))))
        .append(" and memory ")
        .append(Amounts.memory(free(roomiest.memoryBytes(), ledger.memoryBytes(roomiest.name()))))
        .toString();
  }

  private static long free(long allocatable, long used) {
    return Math.max(0, allocatable - used);
  }

  private static String sorted(Set<String> values) {
    return values.stream().sorted().collect(Collectors.joining(", ", "[", "]"));
  }
}
