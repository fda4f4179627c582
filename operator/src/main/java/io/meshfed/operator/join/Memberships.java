package io.meshfed.operator.join;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.operator.config.WatchedNamespaces;
import io.meshfed.operator.support.LeanItemStore;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agents' membership Secrets from a watch cache, for the agent API's hot paths (every status
 * report and long poll authenticates against one). Every replica keeps its own.
 */
@Singleton
public class Memberships {
  private final KubernetesClient client;
  private final Clock clock;
  private final WatchedNamespaces namespaces;
  private SharedIndexInformer<Secret> secrets;

  public Memberships(KubernetesClient client, Clock clock, WatchedNamespaces namespaces) {
    this.client = client;
    this.clock = clock;
    this.namespaces = namespaces;
  }

  void start(@Observes StartupEvent event) {
    SharedIndexInformer<Secret> informer =
        namespaces
            .of(client.secrets())
            .withLabel(AgentSecrets.ROLE_LABEL, AgentSecrets.ROLE_AGENT)
            .runnableInformer(0);
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(Secret secret) {
            index(secret);
          }

          @Override
          public void onUpdate(Secret before, Secret after) {
            unindex(before);
            index(after);
          }

          @Override
          public void onDelete(Secret secret, boolean unknownFinalState) {
            unindex(secret);
          }
        });
    secrets = LeanItemStore.start(informer);
  }

  /** namespace/cluster/public key → the peer that joined with it. */
  private final Map<String, String> holders = new ConcurrentHashMap<>();

  private static Optional<String> keyOf(Secret secret) {
    Map<String, String> labels = secret.getMetadata().getLabels();
    return AgentSecrets.membership(secret)
        .filter(m -> labels != null && labels.containsKey(MeshfedApi.CLUSTER_LABEL))
        .map(
            m ->
                secret.getMetadata().getNamespace()
                    + "/"
                    + labels.get(MeshfedApi.CLUSTER_LABEL)
                    + "/"
                    + m.publicKey());
  }

  private void index(Secret secret) {
    Map<String, String> labels = secret.getMetadata().getLabels();
    keyOf(secret).ifPresent(key -> holders.put(key, labels.get(MeshfedApi.PEER_LABEL)));
  }

  private void unindex(Secret secret) {
    Map<String, String> labels = secret.getMetadata().getLabels();
    keyOf(secret).ifPresent(key -> holders.remove(key, labels.get(MeshfedApi.PEER_LABEL)));
  }

  /** The peer of the cluster that joined with this public key, as the cache has it. */
  public Optional<String> holderOf(String namespace, String cluster, String publicKey) {
    return Optional.ofNullable(holders.get(namespace + "/" + cluster + "/" + publicKey));
  }

  void stop(@Observes ShutdownEvent event) {
    if (secrets != null) {
      secrets.close();
    }
  }

  /**
   * Writes {@code desired} over the membership Secret {@code read}, only if it is still the latest
   * (its resourceVersion as a precondition): a rotation, a promotion and a status report never undo
   * one another. False when another write came first; the caller decides what that means.
   */
  public boolean writeIfUnchanged(Secret read, Secret desired) {
    desired.getMetadata().setResourceVersion(read.getMetadata().getResourceVersion());
    try {
      remember(
          client
              .resource(desired)
              .fieldManager("meshfed-agent-api")
              .forceConflicts()
              .serverSideApply());
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return false;
      }
      throw e;
    }
  }

  /** How long a membership this process wrote stands in for the watch, which may lag behind it. */
  static final Duration RECENT = Duration.ofSeconds(60);

  private record Written(Secret secret, Instant at) {}

  private final Map<String, Written> written = new ConcurrentHashMap<>();

  /**
   * A membership Secret this process just wrote (a join): credentials check against it until the
   * watch has it, so no request needs an API-server read to be authenticated.
   */
  public void remember(Secret secret) {
    Instant now = clock.instant();
    written.values().removeIf(w -> w.at().plus(RECENT).isBefore(now));
    written.put(
        secret.getMetadata().getNamespace() + "/" + secret.getMetadata().getName(),
        new Written(secret, now));
  }

  /** The membership Secret this process wrote for the peer in the last minute, if any. */
  public Optional<Secret> recentlyWritten(String namespace, String peer) {
    Written w = written.get(namespace + "/" + AgentSecrets.agentSecretName(peer));
    return w == null || w.at().plus(RECENT).isBefore(clock.instant())
        ? Optional.empty()
        : Optional.of(w.secret());
  }

  /** The peer's membership Secret as the cache has it (right after a join it may lag). */
  public Optional<Secret> secret(String namespace, String peer) {
    return Optional.ofNullable(
        secrets.getStore().getByKey(namespace + "/" + AgentSecrets.agentSecretName(peer)));
  }

  /** What the peer's agent said when it joined, as the cache has it. */
  public Optional<AgentSecrets.Membership> membership(String namespace, String peer) {
    return secret(namespace, peer).flatMap(AgentSecrets::membership);
  }
}
