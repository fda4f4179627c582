package io.meshfed.operator.join;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.meshfed.operator.config.WatchedNamespaces;
import io.meshfed.operator.support.LeanItemStore;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.Optional;

/**
 * The clusters' join-token Secrets from a watch cache, on every replica: a join with a cluster
 * token is checked without an API-server read. Only a token the cache does not confirm (a cluster
 * created a moment ago, or a wrong token) costs one, and wrong tokens are bounded per source by
 * {@link FailedJoins}.
 */
@Singleton
public class ClusterTokens {
  private final KubernetesClient client;
  private final WatchedNamespaces namespaces;
  private SharedIndexInformer<Secret> secrets;

  public ClusterTokens(KubernetesClient client, WatchedNamespaces namespaces) {
    this.client = client;
    this.namespaces = namespaces;
  }

  void start(@Observes StartupEvent event) {
    secrets =
        LeanItemStore.start(
            namespaces
                .of(client.secrets())
                .withField("type", JoinTokens.SECRET_TYPE)
                .runnableInformer(0));
  }

  void stop(@Observes ShutdownEvent event) {
    if (secrets != null) {
      secrets.close();
    }
  }

  /** The cluster's join-token Secret as the watch has it. */
  public Optional<Secret> cached(String namespace, String cluster) {
    return Optional.ofNullable(
        secrets.getStore().getByKey(namespace + "/" + JoinTokens.secretName(cluster)));
  }
}
