package io.meshfed.operator.directory;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.operator.config.WatchedNamespaces;
import io.meshfed.operator.support.LeanItemStore;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the agent API reads on its hot paths, from watch caches rather than the API server: Peers
 * and MeshClusters. Every replica keeps its own, leader or not, so any replica can answer agents.
 * Others hear of changes through {@link #onPeers} and {@link #onClusters}.
 */
@Singleton
public class AgentDirectory {
  private final KubernetesClient client;
  private final WatchedNamespaces namespaces;
  private SharedIndexInformer<Peer> peers;
  private SharedIndexInformer<MeshCluster> clusters;

  public AgentDirectory(KubernetesClient client, WatchedNamespaces namespaces) {
    this.client = client;
    this.namespaces = namespaces;
  }

  void start(@Observes StartupEvent event) {
    clusters = lean(namespaces.of(client.resources(MeshCluster.class)).runnableInformer(0));
    peers = lean(namespaces.of(client.resources(Peer.class)).runnableInformer(0));
  }

  /** Whether both caches hold what the API server listed at their start. */
  public boolean synced() {
    return peers != null && clusters != null && peers.hasSynced() && clusters.hasSynced();
  }

  /**
   * Tells {@code changed} of every Peer added or updated and {@code gone} of every one deleted;
   * Peers already in the cache are told as added (Fabric8 replays the store to a new handler).
   */
  public void onPeers(Consumer<Peer> changed, Consumer<Peer> gone) {
    peers.addEventHandler(handler(changed, gone));
  }

  /** The same for MeshClusters. */
  public void onClusters(Consumer<MeshCluster> changed, Consumer<MeshCluster> gone) {
    clusters.addEventHandler(handler(changed, gone));
  }

  private static <T extends HasMetadata> SharedIndexInformer<T> lean(
      SharedIndexInformer<T> informer) {
    return LeanItemStore.start(informer);
  }

  void stop(@Observes ShutdownEvent event) {
    for (SharedIndexInformer<?> informer : new SharedIndexInformer<?>[] {peers, clusters}) {
      if (informer != null) {
        informer.close();
      }
    }
  }

  public Optional<Peer> peer(String namespace, String name) {
    return Optional.ofNullable(peers.getStore().getByKey(namespace + "/" + name));
  }

  public Optional<MeshCluster> cluster(String namespace, String name) {
    return Optional.ofNullable(clusters.getStore().getByKey(namespace + "/" + name));
  }

  public List<Peer> peersOf(String namespace, String cluster) {
    return peers.getStore().list().stream()
        .filter(p -> namespace.equals(p.getMetadata().getNamespace()))
        .filter(
            p ->
                p.getSpec() != null
                    && p.getSpec().getClusterRef() != null
                    && cluster.equals(p.getSpec().getClusterRef().getName()))
        .toList();
  }

  private static <T> ResourceEventHandler<T> handler(Consumer<T> changed, Consumer<T> gone) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        changed.accept(obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        changed.accept(newObj);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        gone.accept(obj);
      }
    };
  }
}
