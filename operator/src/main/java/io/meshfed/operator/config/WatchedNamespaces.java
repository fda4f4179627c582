package io.meshfed.operator.config;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.dsl.AnyNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The namespaces the operator watches, as its controllers do ({@code
 * quarkus.operator-sdk.namespaces}, the chart's watchNamespace): the operator's own caches (Peers
 * and clusters for the agent API, memberships, join tokens, referenced Secrets) watch the same, so
 * an operator given a Role in one namespace needs no cluster-wide read.
 */
@Singleton
public class WatchedNamespaces {
  private static final Logger LOG = Logger.getLogger(WatchedNamespaces.class);
  static final String ALL = "QOSDK_USE_BUILDTIME_NAMESPACES";

  private final Optional<String> only;

  public WatchedNamespaces(
      @ConfigProperty(name = "quarkus.operator-sdk.namespaces", defaultValue = ALL)
          List<String> namespaces) {
    this.only = only(namespaces);
    LOG.infof(
        "the operator's caches watch %s (quarkus.operator-sdk.namespaces=%s)",
        only.map(n -> "namespace " + n).orElse("all namespaces"), namespaces);
  }

  /** One namespace, or empty for all (several are watched as all: read by a ClusterRole). */
  static Optional<String> only(List<String> namespaces) {
    List<String> named =
        namespaces.stream()
            .map(String::strip)
            // the SDKs' words (JOSDK_ALL_NAMESPACES, QOSDK_USE_BUILDTIME_NAMESPACES, …) are no
            // namespace names: Kubernetes names are lower case
            .filter(n -> !n.isEmpty() && n.equals(n.toLowerCase(Locale.ROOT)))
            .toList();
    return named.size() == 1 ? Optional.of(named.get(0)) : Optional.empty();
  }

  /** The operation over the watched namespaces. */
  public <T extends HasMetadata, L extends KubernetesResourceList<T>, R extends Resource<T>>
      AnyNamespaceOperation<T, L, R> of(MixedOperation<T, L, R> operation) {
    return only.<AnyNamespaceOperation<T, L, R>>map(operation::inNamespace)
        .orElseGet(operation::inAnyNamespace);
  }
}
