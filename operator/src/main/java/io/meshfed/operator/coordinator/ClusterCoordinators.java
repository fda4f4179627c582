package io.meshfed.operator.coordinator;

import io.meshfed.operator.directory.AgentDirectory;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link ClusterCoordinator} per MeshCluster, made on first use and dropped when the cluster is
 * deleted (the directory's watch says so).
 */
@Singleton
public class ClusterCoordinators {
  private final AgentDirectory directory;
  private final Map<String, ClusterCoordinator> coordinators = new ConcurrentHashMap<>();

  @Inject
  public ClusterCoordinators(AgentDirectory directory) {
    this.directory = directory;
  }

  /** Coordinators nobody evicts: for a component tested on its own. */
  public ClusterCoordinators() {
    this(null);
  }

  void start(@Observes @Priority(Interceptor.Priority.APPLICATION + 1000) StartupEvent event) {
    if (directory == null) {
      return;
    }
    directory.onClusters(
        cluster -> {},
        cluster -> forget(cluster.getMetadata().getNamespace(), cluster.getMetadata().getName()));
  }

  public ClusterCoordinator of(String namespace, String cluster) {
    String key = namespace + "/" + cluster;
    return coordinators.computeIfAbsent(key, ClusterCoordinator::new);
  }

  /** The cluster's coordinator if this process keeps one (nothing is made for a lookup). */
  public Optional<ClusterCoordinator> existing(String namespace, String cluster) {
    return Optional.ofNullable(coordinators.get(namespace + "/" + cluster));
  }

  /** The cluster is gone: whatever was kept for it goes too. */
  public void forget(String namespace, String cluster) {
    coordinators.remove(namespace + "/" + cluster);
  }

  /** Whether this process keeps state for the cluster. */
  public boolean has(String namespace, String cluster) {
    return coordinators.containsKey(namespace + "/" + cluster);
  }

  /** How many clusters this process keeps state for. */
  public int size() {
    return coordinators.size();
  }
}
