package io.meshfed.operator.agentapi;

import static io.meshfed.operator.testing.TestObjects.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.agent.CoordinationClient;
import io.meshfed.api.agent.BootstrapSecrets;
import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.JoinResponse;
import io.meshfed.api.agent.Tokens;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.operator.testing.KubeApiServerResource;
import io.meshfed.operator.testing.TestAgents;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * A host joins the way {@code kubectl meshfed join-command} prepares it: the cluster's status tells
 * the agent API's CA hash; a static Peer and its one-time bootstrap Secret, made with the api
 * module's BootstrapSecrets (not by the operator), let exactly one agent in, until expiry.
 */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
class HostJoinTest {
  @ConfigProperty(name = "quarkus.http.test-ssl-port")
  int httpsPort;

  @Test
  void aHostJoinsOnceWithTheTokenAJoinCommandMade() throws Exception {
    KubernetesClient client = KubeApiServerResource.client();
    String ns = freshNamespace(client, "hostjoin");
    client.resource(cluster(ns, "mesh", "100.97.0.0/16", 24)).create();
    String caHash = TestAgents.caHash(client);
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(
                        client
                            .resources(MeshCluster.class)
                            .inNamespace(ns)
                            .withName("mesh")
                            .get()
                            .getStatus()
                            .getCaHash())
                    .isEqualTo(caHash));

    Peer created = client.resource(peer(ns, "nas", "mesh", ProviderType.STATIC)).create();
    String secret = BootstrapSecrets.randomToken();
    client
        .resource(BootstrapSecrets.secret(created, secret, Instant.now().plusSeconds(3600)))
        .create();
    String token = Tokens.format(Tokens.Kind.BOOTSTRAP, ns, "nas", secret);
    CoordinationClient api = new CoordinationClient("https://localhost:" + httpsPort, caHash);

    JoinResponse joined =
        TestAgents.join(
            api,
            new JoinRequest(
                token,
                "nas",
                TestAgents.key(71),
                List.of("198.18.2.71:51820"),
                TestAgents.facts(4, 8L << 30)));
    assertThat(joined.peer()).isEqualTo("nas");
    assertThatThrownBy(
            () ->
                TestAgents.join(
                    api,
                    new JoinRequest(
                        token,
                        "nas",
                        TestAgents.key(72),
                        List.of("198.18.2.72:51820"),
                        TestAgents.facts(4, 8L << 30))))
        .as("one host, once")
        .hasMessageContaining("401");

    Peer expired = client.resource(peer(ns, "late", "mesh", ProviderType.STATIC)).create();
    String old = BootstrapSecrets.randomToken();
    client.resource(BootstrapSecrets.secret(expired, old, Instant.now().minusSeconds(1))).create();
    assertThatThrownBy(
            () ->
                TestAgents.join(
                    api,
                    new JoinRequest(
                        Tokens.format(Tokens.Kind.BOOTSTRAP, ns, "late", old),
                        "late",
                        TestAgents.key(73),
                        List.of("198.18.2.73:51820"),
                        TestAgents.facts(4, 8L << 30))))
        .hasMessageContaining("401");
    client.close();
  }
}
