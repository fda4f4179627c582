package io.meshfed.operator.scheduler;

import io.meshfed.api.v1alpha1.ProviderType;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * One workload as the scheduler sees it.
 *
 * @param workload its key, namespace/name
 * @param replicas how many it wants
 * @param cpuMillis cpu each replica reserves
 * @param memoryBytes memory each replica reserves
 * @param providers only peers of these providers; empty for any
 * @param regions only peers in these regions; empty for any
 * @param peerSelector only peers whose labels match
 * @param peerSelectorText the selector as the user wrote it, for messages; null when there is none
 * @param spread the key replicas are spread across
 * @param onePerPeer at most one replica per peer (processes with ports: they would collide)
 * @param current where its replicas run now: replica index to peer name
 * @param indices the replicas it wants, by index: 0 to replicas - 1 unless a rollout says otherwise
 *     (it keeps outdated replicas and adds new ones at free indexes)
 */
public record Demand(
    String workload,
    int replicas,
    long cpuMillis,
    long memoryBytes,
    Set<ProviderType> providers,
    Set<String> regions,
    Predicate<Map<String, String>> peerSelector,
    String peerSelectorText,
    Spread spread,
    boolean onePerPeer,
    Map<Integer, String> current,
    SortedSet<Integer> indices) {

  public Demand {
    providers = providers == null ? Set.of() : providers;
    regions = regions == null ? Set.of() : regions;
    peerSelector = peerSelector == null ? labels -> true : peerSelector;
    spread = spread == null ? Spread.PEER : spread;
    current = current == null ? Map.of() : current;
    if (indices == null) {
      indices = new TreeSet<>();
      for (int index = 0; index < replicas; index++) {
        indices.add(index);
      }
    }
    indices = Collections.unmodifiableSortedSet(indices);
  }

  /** Replicas 0 to replicas - 1. */
  public Demand(
      String workload,
      int replicas,
      long cpuMillis,
      long memoryBytes,
      Set<ProviderType> providers,
      Set<String> regions,
      Predicate<Map<String, String>> peerSelector,
      String peerSelectorText,
      Spread spread,
      boolean onePerPeer,
      Map<Integer, String> current) {
    this(
        workload,
        replicas,
        cpuMillis,
        memoryBytes,
        providers,
        regions,
        peerSelector,
        peerSelectorText,
        spread,
        onePerPeer,
        current,
        null);
  }

  /** The same workload wanting exactly these replicas (a rollout's). */
  public Demand withIndices(SortedSet<Integer> wanted, Map<Integer, String> where) {
    return new Demand(
        workload,
        wanted.size(),
        cpuMillis,
        memoryBytes,
        providers,
        regions,
        peerSelector,
        peerSelectorText,
        spread,
        onePerPeer,
        where,
        new TreeSet<>(wanted));
  }

  /** The placement constraints, apart from resources. */
  public boolean matches(Node node) {
    return (providers.isEmpty() || providers.contains(node.provider()))
        && (regions.isEmpty() || regions.contains(node.region()))
        && peerSelector.test(node.labels());
  }
}
