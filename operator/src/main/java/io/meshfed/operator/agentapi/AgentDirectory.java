package io.meshfed.operator.agentapi;

import io.meshfed.operator.support.LeanItemStore;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.Peer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.Optional;

/**
 * What the agent API reads on its hot paths, from watch caches rather than the API server: Peers,
 * MeshClusters and the agents' Secrets. Every replica keeps its own, leader or not, so any replica
 * can answer agents.
 */
@Singleton
public class AgentDirectory {
  private final KubernetesClient client;
  private final NetMapHub hub;
  private SharedIndexInformer<Peer> peers;
  private SharedIndexInformer<MeshCluster> clusters;
  private SharedIndexInformer<Secret> agentSecrets;

  public AgentDirectory(KubernetesClient client, NetMapHub hub) {
    this.client = client;
    this.hub = hub;
  }

  void start(@Observes StartupEvent event) {
    clusters = lean(client.resources(MeshCluster.class).inAnyNamespace().runnableInformer(0),
        handler(hub::clusterChanged, cluster -> hub.clusterChanged(cluster)));
    peers = lean(client.resources(Peer.class).inAnyNamespace().runnableInformer(0),
        handler(hub::peerChanged, hub::peerGone));
    agentSecrets = lean(client.secrets().inAnyNamespace()
        .withLabel(AgentSecrets.ROLE_LABEL, AgentSecrets.ROLE_AGENT).runnableInformer(0), null);
    hub.attach(this);
  }

  private static <T extends io.fabric8.kubernetes.api.model.HasMetadata> SharedIndexInformer<T> lean(
      SharedIndexInformer<T> informer, io.fabric8.kubernetes.client.informers.ResourceEventHandler<T> handler) {
    informer.itemStore(new LeanItemStore<>());
    if (handler != null) {
      informer.addEventHandler(handler);
    }
    informer.start();
    return informer;
  }

  void stop(@Observes ShutdownEvent event) {
    for (SharedIndexInformer<?> informer : new SharedIndexInformer<?>[] {peers, clusters, agentSecrets}) {
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

  public Optional<Secret> agentSecret(String namespace, String peer) {
    return Optional.ofNullable(agentSecrets.getStore().getByKey(namespace + "/" + AgentSecrets.agentSecretName(peer)));
  }

  public java.util.List<Peer> peersOf(String namespace, String cluster) {
    return peers.getStore().list().stream()
        .filter(p -> namespace.equals(p.getMetadata().getNamespace()))
        .filter(p -> p.getSpec() != null && p.getSpec().getClusterRef() != null
            && cluster.equals(p.getSpec().getClusterRef().getName()))
        .toList();
  }

  private static <T> ResourceEventHandler<T> handler(
      java.util.function.Consumer<T> changed, java.util.function.Consumer<T> gone) {
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
