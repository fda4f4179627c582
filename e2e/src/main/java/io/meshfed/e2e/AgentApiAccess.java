package io.meshfed.e2e;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.agent.PinnedTrust;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Optional;

/** What a host needs to join a cluster, read as an admin would: the join token and the CA's pin. */
public final class AgentApiAccess {
  private AgentApiAccess() {}

  /** The cluster's join token, once the operator has made it. */
  public static Optional<String> joinToken(
      KubernetesClient client, String namespace, String cluster) {
    return secretValue(client, namespace, cluster + "-meshfed-join-token", "join-token");
  }

  /** {@code sha256:…} of the agent API's CA, once the operator has made it. */
  public static Optional<String> caHash(KubernetesClient client, String operatorNamespace) {
    return secretValue(client, operatorNamespace, "meshfed-agent-api-ca", "tls.crt")
        .map(
            pem -> {
              try {
                var certificate =
                    (X509Certificate)
                        CertificateFactory.getInstance("X.509")
                            .generateCertificate(
                                new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)));
                return PinnedTrust.hashOf(certificate);
              } catch (CertificateException e) {
                throw new IllegalStateException(
                    "the agent API CA Secret does not hold a certificate", e);
              }
            });
  }

  private static Optional<String> secretValue(
      KubernetesClient client, String namespace, String name, String key) {
    Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
    return Optional.ofNullable(secret)
        .map(Secret::getData)
        .map(data -> data.get(key))
        .map(value -> new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8));
  }
}
