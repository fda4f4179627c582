package io.meshfed.operator.agentapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.agent.CoordinationClient;
import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.JoinResponse;
import io.meshfed.api.agent.StatusReport;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.operator.testing.KubeApiServerResource;
import io.meshfed.operator.testing.TestAgents;
import io.meshfed.operator.testing.TestObjects;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * An operator that plans for few reports a second (half a report a second, as if each peer were a
 * thousand): every status answer asks agents to report no more often than the fleet allows — two
 * seconds more per peer on the maps — and a peer that reported is judged by that interval, not by
 * the configured grace.
 */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
@TestProfile(FleetReportCadenceTest.FewReports.class)
class FleetReportCadenceTest {
  public static class FewReports implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "meshfed.agent-api.reports-per-second", "0.5", "meshfed.peer.heartbeat-grace", "2s");
    }
  }

  private static final long GI = 1L << 30;

  @ConfigProperty(name = "quarkus.http.test-ssl-port")
  int httpsPort;

  private final KubernetesClient client = KubeApiServerResource.client();

  @Test
  void agentsAreAskedToReportLessOftenAsTheFleetGrowsAndJudgedByWhatTheyWereAsked()
      throws Exception {
    String namespace = TestObjects.freshNamespace(client, "cadence");
    client.resource(TestObjects.cluster(namespace, "mesh", "100.83.0.0/16", 24)).create();
    CoordinationClient api =
        new CoordinationClient("https://localhost:" + httpsPort, TestAgents.caHash(client));
    JoinResponse a = join(api, namespace, "host-a", 41);
    // the maps hold every peer the API server has (earlier tests' too): a's asked interval
    AtomicLong withA = new AtomicLong();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              withA.set(askedSeconds(api, a, "host-a", 41));
              assertThat(withA.get()).isGreaterThanOrEqualTo(2);
            });
    JoinResponse b = join(api, namespace, "host-b", 42);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(askedSeconds(api, b, "host-b", 42))
                    .as("one more peer at half a report a second: two seconds longer")
                    .isEqualTo(withA.get() + 2));

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(phase(namespace, "host-a")).isEqualTo(PeerPhase.READY));
    // silent for twice the configured grace, but within four of the intervals it was asked for
    Thread.sleep(4_000);
    assertThat(phase(namespace, "host-a"))
        .as("a peer asked to report every %d s is not NotReady after 2 s", withA.get())
        .isEqualTo(PeerPhase.READY);
  }

  private JoinResponse join(CoordinationClient api, String namespace, String name, int seed)
      throws Exception {
    return TestAgents.join(
        api,
        new JoinRequest(
            TestAgents.clusterToken(client, namespace, "mesh"),
            name,
            TestAgents.key(seed),
            List.of(endpoint(seed)),
            TestAgents.facts(2, 4 * GI)));
  }

  private static long askedSeconds(
      CoordinationClient api, JoinResponse joined, String name, int seed) throws Exception {
    return api.report(
            joined.credential(),
            new StatusReport(
                name, null, List.of(endpoint(seed)), TestAgents.facts(2, 4 * GI), List.of()))
        .shortestInterval()
        .toSeconds();
  }

  private PeerPhase phase(String namespace, String peer) {
    Peer p = client.resources(Peer.class).inNamespace(namespace).withName(peer).get();
    return p == null || p.getStatus() == null ? null : p.getStatus().getPhase();
  }

  private static String endpoint(int seed) {
    return "198.18.2." + seed + ":51820";
  }
}
