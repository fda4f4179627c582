package io.meshfed.operator.scheduler;

import io.meshfed.api.v1alpha1.ProviderType;
import java.util.Map;
import java.util.Set;
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
 * @param onePerPeer at most one replica per peer (workloads with ports: they would collide)
 * @param current where its replicas run now: replica index to peer name
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
    Map<Integer, String> current) {

  public Demand {
    providers = providers == null ? Set.of() : providers;
    regions = regions == null ? Set.of() : regions;
    peerSelector = peerSelector == null ? labels -> true : peerSelector;
    spread = spread == null ? Spread.PEER : spread;
    current = current == null ? Map.of() : current;
  }

  /** The placement constraints, apart from resources. */
  public boolean matches(Node node) {
    return (providers.isEmpty() || providers.contains(node.provider()))
        && (regions.isEmpty() || regions.contains(node.region()))
        && peerSelector.test(node.labels());
  }
}
