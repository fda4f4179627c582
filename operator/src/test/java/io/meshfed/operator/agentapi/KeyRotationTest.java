package io.meshfed.operator.agentapi;

import static io.meshfed.operator.testing.Refusals.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.agent.CoordinationClient;
import io.meshfed.api.agent.BootstrapSecrets;
import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.JoinResponse;
import io.meshfed.api.agent.KeyProof;
import io.meshfed.api.agent.KeyRotation;
import io.meshfed.api.agent.MapPeer;
import io.meshfed.api.agent.NetMap;
import io.meshfed.api.agent.Tokens;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.operator.testing.KubeApiServerResource;
import io.meshfed.operator.testing.TestAgents;
import io.meshfed.operator.testing.TestObjects;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rotating a peer's WireGuard key over HTTPS as its agent does: asked through the Peer's
 * annotation, proven with the new key, refused for anyone who cannot prove it or would take another
 * peer's key; the other peers' maps carry the new key.
 */
@QuarkusTest
@QuarkusTestResource(value = KubeApiServerResource.class, restrictToAnnotatedClass = false)
class KeyRotationTest {
  @ConfigProperty(name = "quarkus.http.test-ssl-port")
  int httpsPort;

  private final KubernetesClient client = KubeApiServerResource.client();
  private String namespace;
  private CoordinationClient api;

  @BeforeEach
  void cluster() {
    namespace = TestObjects.freshNamespace(client, "rotate");
    client.resource(TestObjects.cluster(namespace, "mesh", "100.84.0.0/16", 24)).create();
    api = new CoordinationClient("https://localhost:" + httpsPort, TestAgents.caHash(client));
  }

  private JoinResponse join(String name, String privateKey) throws Exception {
    return api.join(
        new JoinRequest(
            TestAgents.clusterToken(client, namespace, "mesh"),
            name,
            KeyProof.publicKeyOf(privateKey),
            List.of("198.18.50." + (name.hashCode() & 0x7f) + ":51820"),
            TestAgents.facts(2, 4L << 30)),
        privateKey);
  }

  @Test
  void aPeerAskedToRotateProvesItsNewKeyAndEveryMapCarriesIt() throws Exception {
    String firstKey = KeyProof.newPrivateKey();
    JoinResponse a = join("a", firstKey);
    String bPrivate = KeyProof.newPrivateKey();
    JoinResponse b = join("b", bPrivate);
    assertThat(a.self().rotateKey()).isNull();

    client
        .resources(Peer.class)
        .inNamespace(namespace)
        .withName("a")
        .edit(
            p -> {
              p.getMetadata().getAnnotations().put(MeshfedApi.ROTATE_KEY_ANNOTATION, "r1");
              return p;
            });
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertThat(api.netmap(a.credential(), "a", null).orElseThrow().self().rotateKey())
                    .isEqualTo("r1"));

    String newKey = KeyProof.newPrivateKey();
    // a proof made with another key than the one claimed is refused, and changes nothing
    KeyRotation forged =
        KeyRotation.proven(
            "a", "r1", a.credential(), api.challenge(), KeyProof.newPrivateKey(), null);
    KeyRotation claimed =
        new KeyRotation(
            "a", "r1", KeyProof.publicKeyOf(newKey), forged.challenge(), forged.proof(), null);
    assertRefused(() -> api.rotateKey(a.credential(), claimed), 401, "ProofInvalid");
    // nor can a peer take another's key, or rotate for another peer
    assertRefused(
        () ->
            api.rotateKey(
                a.credential(),
                KeyRotation.proven("a", "r1", a.credential(), api.challenge(), bPrivate, null)),
        409,
        "PublicKeyTaken");
    assertRefused(
        () ->
            api.rotateKey(
                b.credential(),
                KeyRotation.proven("a", "r1", b.credential(), api.challenge(), newKey, null)),
        403,
        "CredentialScope");

    String nextSecret = BootstrapSecrets.randomToken();
    KeyRotation.Accepted accepted =
        api.rotateKey(
            a.credential(),
            KeyRotation.proven("a", "r1", a.credential(), api.challenge(), newKey, nextSecret));
    assertThat(accepted.publicKey()).isEqualTo(KeyProof.publicKeyOf(newKey));

    await()
        .atMost(Duration.ofSeconds(15))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              NetMap seenByB = api.netmap(b.credential(), "b", null).orElseThrow();
              assertThat(seenByB.peers())
                  .filteredOn(p -> p.name().equals("a"))
                  .extracting(MapPeer::publicKey)
                  .containsExactly(KeyProof.publicKeyOf(newKey));
              Peer peer = client.resources(Peer.class).inNamespace(namespace).withName("a").get();
              assertThat(peer.getStatus().getPublicKey()).isEqualTo(KeyProof.publicKeyOf(newKey));
              assertThat(peer.getStatus().getKeyRotation().getRequest()).isEqualTo("r1");
              assertThat(api.netmap(a.credential(), "a", null).orElseThrow().self().rotateKey())
                  .as("answered: asked no more")
                  .isNull();
            });
    // the old credential works until the next one is used: an agent that crashed before it
    // saved the next one is not locked out
    assertThat(api.netmap(a.credential(), "a", null)).isPresent();
    String next = Tokens.format(Tokens.Kind.PEER, namespace, "a", nextSecret);
    assertThat(api.netmap(next, "a", null)).isPresent();
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertRefused(
                    () -> api.netmap(a.credential(), "a", null), 401, "InvalidCredential"));
    assertThat(api.netmap(next, "a", null)).isPresent();
  }
}
