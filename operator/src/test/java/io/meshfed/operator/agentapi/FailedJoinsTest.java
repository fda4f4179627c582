package io.meshfed.operator.agentapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.agent.CoordinationClient;
import io.meshfed.agent.PinnedTrust;
import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.KeyProof;
import io.meshfed.operator.testing.KubeApiServerResource;
import io.meshfed.operator.testing.TestAgents;
import io.meshfed.operator.testing.TestObjects;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Guessing join tokens, over HTTPS against an operator with the default budget of failed joins: the
 * source that spent it is refused with 429 and Retry-After before its joins are looked at, a good
 * token included, until the budget refills.
 */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
@TestProfile(FailedJoinsTest.DefaultBudget.class)
class FailedJoinsTest {
  /** The defaults of {@code meshfed.agent-api.failed-joins}, which the test profile raises. */
  public static class DefaultBudget implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "meshfed.agent-api.failed-joins.burst", "20",
          "meshfed.agent-api.failed-joins.per-minute", "10");
    }
  }

  @ConfigProperty(name = "quarkus.http.test-ssl-port")
  int httpsPort;

  private static final ObjectMapper JSON = new ObjectMapper();
  private final KubernetesClient client = KubeApiServerResource.client();

  @Test
  void aSourceThatKeepsGuessingTokensIsToldToWaitAndItsGoodJoinWaitsToo() throws Exception {
    String namespace = TestObjects.freshNamespace(client, "guessing");
    client.resource(TestObjects.cluster(namespace, "mesh", "100.82.0.0/16", 24)).create();
    String caHash = TestAgents.caHash(client);
    CoordinationClient api = new CoordinationClient("https://localhost:" + httpsPort, caHash);
    String key = KeyProof.newPrivateKey();
    String guess = "mfj:" + namespace + ":mesh:" + "0".repeat(64);

    for (int i = 0; i < 20; i++) {
      HttpResponse<String> refused = join(api, caHash, guess, key);
      assertThat(refused.statusCode()).as("guess " + i).isEqualTo(401);
    }
    HttpResponse<String> limited = join(api, caHash, guess, key);
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.body()).contains("\"reason\":\"TooManyFailedJoins\"");
    assertThat(limited.headers().firstValue("Retry-After"))
        .hasValueSatisfying(s -> assertThat(Integer.parseInt(s)).isBetween(1, 6));
    HttpResponse<String> good =
        join(api, caHash, TestAgents.clusterToken(client, namespace, "mesh"), key);
    assertThat(good.statusCode()).as("the budget is the source's, not the token's").isEqualTo(429);
  }

  private HttpResponse<String> join(
      CoordinationClient api, String caHash, String token, String privateKey) throws Exception {
    String body =
        JSON.writeValueAsString(
            new JoinRequest(token, "guess", KeyProof.publicKeyOf(privateKey), List.of(), null)
                .proven(api.challenge(), privateKey));
    HttpClient http = HttpClient.newBuilder().sslContext(PinnedTrust.context(caHash)).build();
    return http.send(
        HttpRequest.newBuilder(URI.create("https://localhost:" + httpsPort + "/api/v1/join"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
