package io.meshfed.operator.provider;

import static io.meshfed.api.v1alpha1.MeshfedApi.CREDENTIALS_FINALIZER;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.meshfed.api.v1alpha1.CloudProviderSpec;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.operator.directory.ReferencedSecrets;
import jakarta.inject.Singleton;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Keeps the cloud credentials a cluster names until the cluster no longer needs them: deleting a
 * MeshCluster and its credentials Secret together ({@code kubectl delete -f dir/}, an Argo CD
 * prune) would otherwise leave the cluster unable to delete its machines. A finalizer on the Secret
 * holds it while any MeshCluster of its namespace names it, deleting clusters included.
 */
@Singleton
public class CredentialSecrets {
  private static final Logger LOG = Logger.getLogger(CredentialSecrets.class);

  private final KubernetesClient client;
  private final ReferencedSecrets secrets;

  public CredentialSecrets(KubernetesClient client, ReferencedSecrets secrets) {
    this.client = client;
    this.secrets = secrets;
  }

  /** What to change: the Secrets to protect and those to let go, by name, sorted. */
  public record Plan(List<String> protect, List<String> release) {
    public boolean isEmpty() {
      return protect.isEmpty() && release.isEmpty();
    }
  }

  /** What a Secret looks like to the plan. */
  public record SecretState(String name, boolean protectedByUs, boolean deleting) {}

  /** The credentials Secrets a cluster names, one per configured cloud. */
  public static Set<String> named(MeshCluster cluster) {
    if (cluster.getSpec() == null || cluster.getSpec().getProviders() == null) {
      return Set.of();
    }
    return cluster.getSpec().getProviders().configured().values().stream()
        .map(CloudProviderSpec::getCredentialsSecretRef)
        .filter(Objects::nonNull)
        .map(ref -> ref.getName())
        .filter(Objects::nonNull)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /**
   * Pure. {@code holders}: the clusters of the namespace that still need their credentials (all of
   * them but one whose deletion is complete). {@code existing}: the Secrets that are named or carry
   * the finalizer. A Secret already being deleted cannot take a new finalizer (the API refuses);
   * one that has it keeps it while a holder names it.
   */
  public static Plan plan(Collection<MeshCluster> holders, Collection<SecretState> existing) {
    Set<String> needed =
        holders.stream()
            .flatMap(c -> named(c).stream())
            .collect(Collectors.toCollection(TreeSet::new));
    List<String> protect =
        existing.stream()
            .filter(s -> needed.contains(s.name()) && !s.protectedByUs() && !s.deleting())
            .map(SecretState::name)
            .sorted()
            .toList();
    List<String> release =
        existing.stream()
            .filter(s -> s.protectedByUs() && !needed.contains(s.name()))
            .map(SecretState::name)
            .sorted()
            .toList();
    return new Plan(protect, release);
  }

  /**
   * Brings the namespace's credentials Secrets in line with what {@code holders} name. A change
   * that loses a race with another writer is left to the next reconcile.
   */
  public void keep(String namespace, Collection<MeshCluster> holders) {
    Map<String, Secret> existing =
        secrets.withFinalizer(namespace, CREDENTIALS_FINALIZER).stream()
            .collect(Collectors.toMap(s -> s.getMetadata().getName(), s -> s, (a, b) -> a));
    for (MeshCluster holder : holders) {
      for (String name : named(holder)) {
        secrets.get(namespace, name).ifPresent(s -> existing.putIfAbsent(name, s));
      }
    }
    Plan plan =
        plan(
            holders,
            existing.values().stream()
                .map(
                    s ->
                        new SecretState(
                            s.getMetadata().getName(),
                            s.getMetadata().getFinalizers() != null
                                && s.getMetadata().getFinalizers().contains(CREDENTIALS_FINALIZER),
                            s.getMetadata().getDeletionTimestamp() != null))
                .toList());
    plan.protect().forEach(name -> patch(existing.get(name), true));
    plan.release().forEach(name -> patch(existing.get(name), false));
  }

  /** One JSON patch, conditional on what was read: it never drops another controller's change. */
  private void patch(Secret secret, boolean protect) {
    List<String> finalizers =
        secret.getMetadata().getFinalizers() == null
            ? List.of()
            : secret.getMetadata().getFinalizers();
    // conditional on the version read: a lagging cache never adds the finalizer twice
    Map<String, Object> test =
        Map.of(
            "op", "test",
            "path", "/metadata/resourceVersion",
            "value", secret.getMetadata().getResourceVersion());
    Map<String, Object> change;
    if (!protect) {
      change =
          Map.of(
              "op",
              "remove",
              "path",
              "/metadata/finalizers/" + finalizers.indexOf(CREDENTIALS_FINALIZER));
    } else if (finalizers.isEmpty()) {
      change =
          Map.of(
              "op", "add", "path", "/metadata/finalizers", "value", List.of(CREDENTIALS_FINALIZER));
    } else {
      change =
          Map.of("op", "add", "path", "/metadata/finalizers/-", "value", CREDENTIALS_FINALIZER);
    }
    String namespace = secret.getMetadata().getNamespace();
    String name = secret.getMetadata().getName();
    try {
      client
          .secrets()
          .inNamespace(namespace)
          .withName(name)
          .patch(
              PatchContext.of(PatchType.JSON),
              client.getKubernetesSerialization().asJson(List.of(test, change)));
      LOG.infof(
          protect
              ? "Secret %s/%s holds cloud credentials of a cluster: kept until no cluster names it"
              : "Secret %s/%s: no cluster names it any more, released",
          namespace,
          name);
    } catch (KubernetesClientException e) {
      // gone, changed meanwhile, or being deleted: the watch brings the news, the next reconcile
      // decides again
      LOG.debugf("Secret %s/%s: finalizer not changed: %s", namespace, name, e.getMessage());
    }
  }
}
