package io.meshfed.operator.config;

import io.fabric8.kubernetes.client.Config;
import io.quarkus.kubernetes.client.KubernetesConfigCustomizer;
import jakarta.inject.Singleton;

/**
 * A client that authenticates to the API server by certificate alone has no token to refresh — but
 * fabric8's token refresh ({@code TokenRefreshInterceptor}) only notes a refresh when it finds a
 * token, so after its first minute it re-reads the kubeconfig before every request (6 % of the
 * operator's CPU at 10 000 agents). Such a config gets a token provider that has no token: the
 * interceptor asks it instead, and sends no token. Configs with a token (a service account's, which
 * rotates; an exec plugin's; OIDC) are left as they are.
 */
@Singleton
public class CertificateAuthentication implements KubernetesConfigCustomizer {
  @Override
  public void customize(Config config) {
    if (byCertificateAlone(config)) {
      config.setOauthTokenProvider(() -> null);
    }
  }

  static boolean byCertificateAlone(Config config) {
    return (present(config.getClientCertFile()) || present(config.getClientCertData()))
        && !present(config.getOauthToken())
        && !present(config.getAutoOAuthToken())
        && config.getOauthTokenProvider() == null
        && config.getAuthProvider() == null
        && !present(config.getUsername());
  }

  private static boolean present(String value) {
    return value != null && !value.isBlank();
  }
}
