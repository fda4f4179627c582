package io.meshfed.operator.coordinator;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What this process keeps about one cluster between reconciles: each component's state (the address
 * table it last read, the placements and pool sizes it last decided) and the turn-taking of that
 * component's writers. It lives as long as the cluster: {@link ClusterCoordinators} drops it when
 * the MeshCluster is deleted, so nothing here grows with clusters that are gone.
 *
 * <p>Each component owns one state type and synchronizes on its own instance: address allocations
 * do not wait for scheduling, nor scheduling for the autoscaler.
 */
public final class ClusterCoordinator {
  private final String key;
  private final Map<Class<?>, Object> states = new ConcurrentHashMap<>();

  ClusterCoordinator(String key) {
    this.key = key;
  }

  /** {@code namespace/name} of the cluster. */
  public String key() {
    return key;
  }

  /** The component's state for this cluster, made on first use. */
  public <T> T state(Class<T> type, Supplier<T> initial) {
    return type.cast(states.computeIfAbsent(type, t -> initial.get()));
  }
}
