package io.meshfed.operator.join;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.meshfed.operator.support.LeanItemStore;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.Optional;

/**
 * The agents' membership Secrets from a watch cache, for the agent API's hot paths (every status
 * report and long poll authenticates against one). Every replica keeps its own.
 */
@Singleton
public class Memberships {
  private final KubernetesClient client;
  private SharedIndexInformer<Secret> secrets;

  public Memberships(KubernetesClient client) {
    this.client = client;
  }

  void start(@Observes StartupEvent event) {
    secrets =
        LeanItemStore.start(
            client
                .secrets()
                .inAnyNamespace()
                .withLabel(AgentSecrets.ROLE_LABEL, AgentSecrets.ROLE_AGENT)
                .runnableInformer(0));
  }

  void stop(@Observes ShutdownEvent event) {
    if (secrets != null) {
      secrets.close();
    }
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
