package io.meshfed.operator.directory;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.operator.config.WatchedNamespaces;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The users' Secrets the operator reads on hot paths — the credentials a MeshCluster names for a
 * cloud, the Secrets a Workload's env refers to — from one watch instead of a GET per reconcile or
 * provider call. Only Secrets something asked for are kept in memory: the cluster's other Secrets
 * (Helm releases, service account tokens) pass by without being stored. The first ask for a Secret
 * reads it from the API server once; from then on the watch keeps it current, its creation and
 * deletion included.
 */
@Singleton
public class ReferencedSecrets {
  private final KubernetesClient client;
  private final WatchedNamespaces namespaces;
  private final Set<String> wanted = ConcurrentHashMap.newKeySet();
  private final Set<String> loaded = ConcurrentHashMap.newKeySet();
  private final WantedOnly store = new WantedOnly();
  private SharedIndexInformer<Secret> informer;

  public ReferencedSecrets(KubernetesClient client, WatchedNamespaces namespaces) {
    this.client = client;
    this.namespaces = namespaces;
  }

  void start(@Observes StartupEvent event) {
    informer = namespaces.of(client.secrets()).runnableInformer(0);
    informer.itemStore(store);
    informer.start();
  }

  void stop(@Observes ShutdownEvent event) {
    if (informer != null) {
      informer.close();
    }
  }

  /** The Secret as the watch has it; empty when it does not exist. */
  public Optional<Secret> get(String namespace, String name) {
    String key = namespace + "/" + name;
    if (!loaded.contains(key)) {
      firstRead(key, namespace, name);
    }
    return Optional.ofNullable(store.get(key));
  }

  /**
   * Not kept until now: wanted from here on (the watch keeps what comes after), read once. First
   * reads take turns, so a second caller waits for the first one's read instead of seeing nothing.
   */
  private synchronized void firstRead(String key, String namespace, String name) {
    if (loaded.contains(key)) {
      return;
    }
    wanted.add(key);
    Secret read = client.secrets().inNamespace(namespace).withName(name).get();
    if (read != null) {
      store.putIfAbsent(key, read); // a newer version the watch delivered meanwhile wins
    }
    loaded.add(key);
  }

  /**
   * The Secrets of a namespace that carry this finalizer, as the watch has them: the operator's own
   * protection of credentials outlives what it wants today (a cluster that stopped naming a Secret,
   * an operator restart).
   */
  public List<Secret> withFinalizer(String namespace, String finalizer) {
    return store
        .values()
        .filter(s -> namespace.equals(s.getMetadata().getNamespace()))
        .filter(s -> hasFinalizer(s, finalizer))
        .toList();
  }

  static boolean hasFinalizer(Secret secret, String finalizer) {
    List<String> finalizers = secret.getMetadata().getFinalizers();
    return finalizers != null && finalizers.contains(finalizer);
  }

  /** A store that keeps only wanted Secrets, and those the operator protects. */
  private final class WantedOnly extends BasicItemStore<Secret> {
    WantedOnly() {
      super(Cache::metaNamespaceKeyFunc);
    }

    @Override
    public Secret put(String key, Secret secret) {
      if (wanted.contains(key) || hasFinalizer(secret, MeshfedApi.CREDENTIALS_FINALIZER)) {
        return super.put(key, secret);
      }
      return super.remove(key); // it may have been kept for a finalizer it no longer has
    }

    synchronized void putIfAbsent(String key, Secret secret) {
      if (super.get(key) == null) {
        super.put(key, secret);
      }
    }
  }
}
