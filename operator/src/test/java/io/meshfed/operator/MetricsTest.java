package io.meshfed.operator;

import static io.meshfed.operator.testing.TestObjects.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.meshfed.agent.CoordinationClient;
import io.meshfed.agent.PinnedTrust;
import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.JoinResponse;
import io.meshfed.api.agent.NetMap;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.operator.testing.KubeApiServerResource;
import io.meshfed.operator.testing.TestAgents;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** What Prometheus scrapes from /q/metrics after the operator has done some work. */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
class MetricsTest {
  @ConfigProperty(name = "quarkus.http.test-port")
  int httpPort;

  @ConfigProperty(name = "quarkus.http.test-ssl-port")
  int httpsPort;

  @Test
  void reconcilesProviderCallsPeersByPhaseAndAgentApiRequestsAreExported() throws Exception {
    KubernetesClient client = KubeApiServerResource.client();
    String ns = freshNamespace(client, "metrics");
    client.resource(cluster(ns, "mesh", "100.95.0.0/16", 24)).create();
    client.resource(peer(ns, "vm-0", "mesh", ProviderType.LOCAL)).create();

    // an agent API request (a refused one counts too)
    String caHash = TestAgents.caHash(client);
    HttpClient https = HttpClient.newBuilder().sslContext(PinnedTrust.context(caHash)).build();
    HttpResponse<String> refused =
        https.send(
            HttpRequest.newBuilder(URI.create("https://localhost:" + httpsPort + "/api/v1/join"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(refused.statusCode()).isEqualTo(400);

    HttpClient http = HttpClient.newHttpClient();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              String metrics =
                  http.send(
                          HttpRequest.newBuilder(
                                  URI.create("http://localhost:" + httpPort + "/q/metrics"))
                              .build(),
                          HttpResponse.BodyHandlers.ofString())
                      .body();
              assertThat(
                      metrics
                          .lines()
                          .filter(
                              l ->
                                  l.startsWith("meshfed_peers{")
                                      && l.contains("namespace=\"" + ns + "\"")
                                      && l.contains("phase=\"Joining\""))
                          .toList())
                  .singleElement()
                  .satisfies(l -> assertThat(l).endsWith(" 1.0"));
              assertThat(
                      metrics
                          .lines()
                          .filter(
                              l ->
                                  l.startsWith("meshfed_provider_calls_seconds_count{")
                                      && l.contains("provider=\"local\"")
                                      && l.contains("operation=\"ensure\"")
                                      && l.contains("outcome=\"ok\"")))
                  .isNotEmpty();
              assertThat(
                      metrics
                          .lines()
                          .filter(
                              l ->
                                  l.startsWith("http_server_requests_seconds_count{")
                                      && l.contains("uri=\"/api/v1/join\"")
                                      && l.contains("status=\"400\"")))
                  .isNotEmpty();
              assertThat(metrics).containsPattern("(?m)^operator_sdk_\\w+.*peer");
              // by kind and controller, never one series per object (10 000 Peers)
              assertThat(metrics)
                  .doesNotContainPattern("(?m)^operator_sdk_[^{]*\\{(?:[^}]*,)?name=\"");
            });

    // a netmap push: an agent waits on its long poll, the cluster's domain changes, the agent is
    // answered. Only an answer to a poll that was already waiting counts: it is given time to park.
    CoordinationClient api = new CoordinationClient("https://localhost:" + httpsPort, caHash);
    String token = TestAgents.clusterToken(client, ns, "mesh");
    JoinResponse first =
        TestAgents.join(
            api,
            new JoinRequest(
                token,
                "first",
                TestAgents.key(1),
                List.of("198.18.0.1:51820"),
                TestAgents.facts(2, 1L << 30)));
    AtomicInteger next = new AtomicInteger(2);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              String version =
                  api.netmap(first.credential(), "first", null).orElseThrow().version();
              CompletableFuture<Optional<NetMap>> waiting =
                  CompletableFuture.supplyAsync(
                      () -> {
                        try {
                          return api.netmap(first.credential(), "first", version);
                        } catch (Exception e) {
                          throw new CompletionException(e);
                        }
                      });
              Thread.sleep(500);
              // news for every agent of the cluster: its domain changes
              client
                  .resources(MeshCluster.class)
                  .inNamespace(ns)
                  .withName("mesh")
                  .patch(
                      PatchContext.of(PatchType.JSON_MERGE),
                      "{\"spec\":{\"domain\":\"m" + next.getAndIncrement() + ".internal\"}}");
              assertThat(waiting.get(20, TimeUnit.SECONDS)).isPresent();
              String now =
                  http.send(
                          HttpRequest.newBuilder(
                                  URI.create("http://localhost:" + httpPort + "/q/metrics"))
                              .build(),
                          HttpResponse.BodyHandlers.ofString())
                      .body();
              assertThat(
                      now.lines()
                          .filter(l -> l.startsWith("meshfed_netmap_push_seconds_count"))
                          .toList())
                  .singleElement()
                  .satisfies(
                      l ->
                          assertThat(Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                              .isGreaterThanOrEqualTo(1.0));
            });
    String metrics =
        http.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + "/q/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(metrics).contains("meshfed_netmap_push_seconds_bucket{le=\"");
    client.close();
  }
}
