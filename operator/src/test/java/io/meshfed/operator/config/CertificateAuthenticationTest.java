package io.meshfed.operator.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.utils.TokenRefreshInterceptor;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fabric8's own token refresh, before a request, with and without the customizer. */
class CertificateAuthenticationTest {
  @TempDir Path dir;

  @Test
  void aClientOfCertificatesAloneDoesNotReadItsKubeconfigAgainBeforeARequest() throws Exception {
    Path file = dir.resolve("kubeconfig");
    Files.writeString(file, kubeconfig(null));
    Config customized = Config.fromKubeconfig(file.toFile());
    Config asIs = Config.fromKubeconfig(file.toFile());
    assertThat(CertificateAuthentication.byCertificateAlone(customized)).isTrue();
    new CertificateAuthentication().customize(customized);

    // what a re-read would find: a token written since (how a re-read shows)
    Files.writeString(file, kubeconfig("written-after"));
    assertThat(headersBeforeARequest(asIs))
        .as("fabric8 re-reads the kubeconfig of a client without a token")
        .containsEntry("Authorization", "Bearer written-after");
    assertThat(headersBeforeARequest(customized)).doesNotContainKey("Authorization");
  }

  @Test
  void aClientWithATokenKeepsFabric8sRefresh() throws Exception {
    Path file = dir.resolve("kubeconfig");
    Files.writeString(file, kubeconfig("a-token"));
    Config config = Config.fromKubeconfig(file.toFile());
    new CertificateAuthentication().customize(config);
    assertThat(config.getOauthTokenProvider()).isNull();
    assertThat(headersBeforeARequest(config)).containsEntry("Authorization", "Bearer a-token");
  }

  /** What the interceptor sets before a request, its last refresh long ago. */
  private static Map<String, String> headersBeforeARequest(Config config) {
    Map<String, String> headers = new HashMap<>();
    BasicBuilder builder =
        new BasicBuilder() {
          @Override
          public BasicBuilder uri(URI uri) {
            return this;
          }

          @Override
          public BasicBuilder header(String name, String value) {
            headers.put(name, value);
            return this;
          }

          @Override
          public BasicBuilder setHeader(String name, String value) {
            headers.put(name, value);
            return this;
          }
        };
    new TokenRefreshInterceptor(
            config, Instant.EPOCH, c -> CompletableFuture.completedFuture((String) null))
        .before(builder, null, null);
    return headers;
  }

  private static String kubeconfig(String token) {
    String data =
        Base64.getEncoder().encodeToString("not parsed here".getBytes(StandardCharsets.UTF_8));
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: test
          cluster:
            server: https://127.0.0.1:6443
        users:
        - name: test
          user:
            client-certificate-data: %s
            client-key-data: %s
        %s
        contexts:
        - name: test
          context:
            cluster: test
            user: test
        current-context: test
        """
        .formatted(data, data, token == null ? "" : "    token: " + token);
  }
}
