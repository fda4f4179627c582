package io.meshfed.operator.provider;

import io.fabric8.kubernetes.api.model.Secret;
import io.meshfed.api.v1alpha1.CloudProviderSpec;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.operator.directory.ReferencedSecrets;
import io.meshfed.provider.spi.ProviderContext;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/** Builds the {@link ProviderContext} of a cluster: its provider settings and credentials. */
@Singleton
public class ProviderContexts {
  private final ReferencedSecrets secrets;

  public ProviderContexts(ReferencedSecrets secrets) {
    this.secrets = secrets;
  }

  /** Thrown when the credentials Secret a cluster names does not exist. */
  public static class MissingCredentialsException extends Exception {
    public MissingCredentialsException(String message) {
      super(message);
    }
  }

  public ProviderContext of(MeshCluster cluster, ProviderType provider)
      throws MissingCredentialsException {
    String clusterName =
        cluster.getMetadata().getNamespace() + "/" + cluster.getMetadata().getName();
    CloudProviderSpec spec =
        cluster.getSpec().getProviders() == null
            ? null
            : cluster.getSpec().getProviders().configured().get(provider);
    if (!provider.isCloud() || spec == null) {
      return new ProviderContext(cluster.getMetadata().getUid(), clusterName, Map.of(), Map.of());
    }
    Map<String, String> settings = new HashMap<>();
    putIfSet(settings, "region", spec.getRegion());
    putIfSet(settings, "project", spec.getProject());
    putIfSet(settings, "subscriptionId", spec.getSubscriptionId());
    putIfSet(settings, "resourceGroup", spec.getResourceGroup());
    putIfSet(settings, "endpoint", spec.getEndpoint());
    String secretName = spec.getCredentialsSecretRef().getName();
    // from the watch: a provider call (a Peer's every provisioning poll) reads no Secret
    Secret secret = secrets.get(cluster.getMetadata().getNamespace(), secretName).orElse(null);
    if (secret == null) {
      throw new MissingCredentialsException(
          "Secret "
              + secretName
              + " named in spec.providers."
              + provider
              + ".credentialsSecretRef does not exist");
    }
    Map<String, String> credentials = new HashMap<>();
    if (secret.getData() != null) {
      secret
          .getData()
          .forEach(
              (k, v) ->
                  credentials.put(
                      k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    }
    if (secret.getStringData() != null) {
      credentials.putAll(secret.getStringData());
    }
    return new ProviderContext(cluster.getMetadata().getUid(), clusterName, settings, credentials);
  }

  private static void putIfSet(Map<String, String> map, String key, String value) {
    if (value != null) {
      map.put(key, value);
    }
  }
}
