package io.meshfed.operator.agentapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.agent.CoordinationClient;
import io.meshfed.agent.PinnedTrust;
import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.JoinResponse;
import io.meshfed.api.agent.KeyProof;
import io.meshfed.api.agent.StatusReport;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.operator.server.AgentApiTls;
import io.meshfed.operator.server.Certificates;
import io.meshfed.operator.support.SecretData;
import io.meshfed.operator.testing.KubeApiServerResource;
import io.meshfed.operator.testing.TestAgents;
import io.meshfed.operator.testing.TestObjects;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Rotating the agent API's CA over HTTPS as agents see it: asked for through the CA Secret's
 * annotation, the next CA is announced in every status answer while the old one still signs; it
 * signs only once every reporting peer says it trusts it; then a client that followed the bundle
 * keeps working without a new join, and one that did not is refused by its own pin.
 */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
@TestProfile(CaRotationTest.FastChecks.class)
class CaRotationTest {
  /** No minimum overlap, checks twice a second: the steps, not the defaults' waits, are tested. */
  public static class FastChecks implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "meshfed.agent-api.tls.ca-rotation.min-overlap", "0s",
          "meshfed.agent-api.tls.ca-rotation.check-interval", "500ms");
    }
  }

  @ConfigProperty(name = "quarkus.http.test-ssl-port")
  int httpsPort;

  private final KubernetesClient client = KubeApiServerResource.client();

  @Test
  void theNextCaSignsOnlyOnceEveryReportingPeerTrustsItAndAgentsFollowWithoutJoiningAgain()
      throws Exception {
    String namespace = TestObjects.freshNamespace(client, "ca-rotation");
    client.resource(TestObjects.cluster(namespace, "mesh", "100.86.0.0/16", 24)).create();
    String oldCa = TestAgents.caHash(client);
    String server = "https://localhost:" + httpsPort;
    CoordinationClient a = new CoordinationClient(server, List.of(oldCa));
    CoordinationClient b = new CoordinationClient(server, List.of(oldCa));
    JoinResponse joinedA = join(a, namespace, "a");
    JoinResponse joinedB = join(b, namespace, "b");
    assertThat(report(a, joinedA, "a", List.of(oldCa))).containsExactly(oldCa);
    assertThat(report(b, joinedB, "b", List.of(oldCa))).containsExactly(oldCa);

    ca().edit(
            s -> {
              s.getMetadata().setAnnotations(Map.of(AgentApiTls.ROTATE_ANNOTATION, "now"));
              return s;
            });
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> assertThat(report(a, joinedA, "a", List.of(oldCa))).hasSize(2).startsWith(oldCa));
    List<String> bundle = report(a, joinedA, "a", List.of(oldCa));
    String nextCa = bundle.get(1);
    assertThat(nextCa).isNotEqualTo(oldCa);

    // a trusts both; b, alive, still reports only the old one: the old CA keeps signing
    a.repin(bundle);
    for (int i = 0; i < 6; i++) {
      report(a, joinedA, "a", bundle);
      report(b, joinedB, "b", List.of(oldCa));
      Thread.sleep(500);
    }
    assertThat(signingCa()).as("b does not trust the next CA yet").isEqualTo(oldCa);
    assertThat(SecretData.read(ca().get(), "next.crt")).isNotNull();

    // b follows the bundle: the next CA signs, the old one leaves the bundle
    b.repin(report(b, joinedB, "b", List.of(oldCa)));
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              report(a, joinedA, "a", bundle);
              report(b, joinedB, "b", bundle);
              assertThat(signingCa()).isEqualTo(nextCa);
            });
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(report(a, joinedA, "a", bundle)).containsExactly(nextCa));

    // a client pinning only the new CA reaches the server, which now serves a chain of the next
    // CA; one that pins only the old CA is refused by its own trust manager
    CoordinationClient followed = new CoordinationClient(server, List.of(nextCa));
    assertThat(report(followed, joinedB, "b", List.of(nextCa))).containsExactly(nextCa);
    CoordinationClient stale = new CoordinationClient(server, List.of(oldCa));
    assertThatThrownBy(() -> report(stale, joinedA, "a", List.of(oldCa)))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> PinnedTrust.of(List.<String>of()))
        .isInstanceOf(IllegalArgumentException.class);

    // joining hosts are told to pin the CA that signs now
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(
                        client
                            .resources(MeshCluster.class)
                            .inNamespace(namespace)
                            .withName("mesh")
                            .get()
                            .getStatus()
                            .getCaHash())
                    .isEqualTo(nextCa));
    assertThat(ca().get().getMetadata().getAnnotations())
        .doesNotContainKey(AgentApiTls.ROTATE_ANNOTATION);
  }

  @Test
  void aReportNamingMalformedCasIsRefused() throws Exception {
    String namespace = TestObjects.freshNamespace(client, "ca-pins");
    client.resource(TestObjects.cluster(namespace, "mesh", "100.87.0.0/16", 24)).create();
    CoordinationClient api =
        new CoordinationClient("https://localhost:" + httpsPort, TestAgents.caHash(client));
    JoinResponse joined = join(api, namespace, "a");
    assertThatThrownBy(() -> report(api, joined, "a", List.of("sha256:XYZ")))
        .isInstanceOfSatisfying(
            CoordinationClient.Refused.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.error().field()).isEqualTo("caHashes[0]");
            });
  }

  private JoinResponse join(CoordinationClient api, String namespace, String name)
      throws Exception {
    String key = KeyProof.newPrivateKey();
    return api.join(
        new JoinRequest(
            TestAgents.clusterToken(client, namespace, "mesh"),
            name,
            KeyProof.publicKeyOf(key),
            List.of("198.18.51." + (name.hashCode() & 0x7f) + ":51820"),
            TestAgents.facts(2, 4L << 30)),
        key);
  }

  private static List<String> report(
      CoordinationClient api, JoinResponse joined, String peer, List<String> pins)
      throws Exception {
    return api.status(
        joined.credential(), new StatusReport(peer, null, List.of(), null, List.of(), null, pins));
  }

  private io.fabric8.kubernetes.client.dsl.Resource<Secret> ca() {
    return client.secrets().inNamespace("default").withName(AgentApiTls.CA_SECRET);
  }

  private String signingCa() {
    return Certificates.publicKeyHash(
        Certificates.parseCertificate(SecretData.read(ca().get(), "tls.crt")));
  }
}
