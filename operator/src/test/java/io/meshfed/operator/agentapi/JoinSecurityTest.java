package io.meshfed.operator.agentapi;

import static io.meshfed.operator.testing.Refusals.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.agent.CoordinationClient;
import io.meshfed.agent.PinnedTrust;
import io.meshfed.api.agent.ApiError;
import io.meshfed.api.agent.BootstrapSecrets;
import io.meshfed.api.agent.JoinChallenge;
import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.JoinResponse;
import io.meshfed.api.agent.KeyProof;
import io.meshfed.api.agent.ReplicaStatus;
import io.meshfed.api.agent.StatusReport;
import io.meshfed.api.agent.Tokens;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.operator.join.AgentSecrets;
import io.meshfed.operator.testing.KubeApiServerResource;
import io.meshfed.operator.testing.TestAgents;
import io.meshfed.operator.testing.TestObjects;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a holder of the cluster join token can no longer do, tried over HTTPS against the real
 * operator as an attacker would: take over a peer with its public key (which every map carries),
 * join with a key another peer holds, or claim a peer invited with a token of its own.
 */
@QuarkusTest
@QuarkusTestResource(value = KubeApiServerResource.class, restrictToAnnotatedClass = false)
class JoinSecurityTest {
  @ConfigProperty(name = "quarkus.http.test-ssl-port")
  int httpsPort;

  private static final ObjectMapper JSON = new ObjectMapper();
  private final KubernetesClient client = KubeApiServerResource.client();
  private String namespace;
  private String caHash;
  private CoordinationClient api;

  @BeforeEach
  void cluster() {
    namespace = TestObjects.freshNamespace(client, "joinsec");
    client.resource(TestObjects.cluster(namespace, "mesh", "100.81.0.0/16", 24)).create();
    caHash = TestAgents.caHash(client);
    api = new CoordinationClient("https://localhost:" + httpsPort, caHash);
  }

  @Test
  void aTokenHolderCannotBecomeAPeerByReplayingItsPublicKey() throws Exception {
    String victimKey = KeyProof.newPrivateKey();
    String victimPublic = KeyProof.publicKeyOf(victimKey);
    JoinRequest victim =
        new JoinRequest(token(), "nas", victimPublic, List.of("198.18.3.1:51820"), null);
    JoinResponse joined = api.join(victim, victimKey);

    // the attacker knows the name and the public key (both are in every peer's map), not the key
    String attackerKey = KeyProof.newPrivateKey();
    assertRefused(() -> api.join(victim, attackerKey), 401, "ProofInvalid");
    HttpResponse<String> unproven =
        post(
            "/api/v1/join",
            "{\"token\":\""
                + token()
                + "\",\"name\":\"nas\",\"publicKey\":\""
                + victimPublic
                + "\"}");
    assertThat(unproven.statusCode()).isEqualTo(401);
    assertThat(unproven.body()).contains("\"reason\":\"ProofRequired\"");
    // a proof for another challenge, or a challenge this operator never issued
    JoinChallenge forged =
        new JoinChallenge(
            "AAAAAGlKk4AAAAAAAAAAAAAAAAAAAAAA",
            KeyProof.publicKeyOf(attackerKey),
            Instant.now().toString());
    assertRefused(
        () -> post(victim.proven(forged, attackerKey)),
        401,
        "ChallengeExpired",
        "ChallengeInvalid");

    // the credential the victim holds still works and nothing about the peer changed
    assertThat(api.netmap(joined.credential(), "nas", null)).isPresent();
    assertThat(AgentSecrets.read(membership("nas"), "public-key")).isEqualTo(victimPublic);

    // the victim itself re-joins (a lost answer): the same address, a fresh credential
    JoinResponse again = api.join(victim, victimKey);
    assertThat(again.self().meshAddress()).isEqualTo(joined.self().meshAddress());
  }

  @Test
  void aPublicKeyAnotherPeerHoldsIsRefused() throws Exception {
    String key = KeyProof.newPrivateKey();
    String publicKey = KeyProof.publicKeyOf(key);
    api.join(new JoinRequest(token(), "first", publicKey, List.of(), null), key);
    // the same key under another name: a copied state directory, or a thief with the key
    assertRefused(
        () -> api.join(new JoinRequest(token(), "second", publicKey, List.of(), null), key),
        409,
        "PublicKeyTaken");
    assertThat(client.resources(Peer.class).inNamespace(namespace).withName("second").get())
        .as("a refused join leaves no Peer")
        .isNull();
  }

  @Test
  void aPeerInvitedWithItsOwnTokenIsClaimedOnlyWithThatToken() throws Exception {
    Peer invited =
        client
            .resource(TestObjects.peer(namespace, "laptop", "mesh", ProviderType.STATIC))
            .create();
    String secret = BootstrapSecrets.randomToken();
    client
        .resource(BootstrapSecrets.secret(invited, secret, Instant.now().plusSeconds(3600)))
        .create();
    String key = KeyProof.newPrivateKey();
    JoinRequest withClusterToken =
        new JoinRequest(token(), "laptop", KeyProof.publicKeyOf(key), List.of(), null);
    assertRefused(() -> api.join(withClusterToken, key), 409, "PeerInvited");

    JoinResponse joined =
        api.join(
            new JoinRequest(
                Tokens.format(Tokens.Kind.BOOTSTRAP, namespace, "laptop", secret),
                "laptop",
                KeyProof.publicKeyOf(key),
                List.of(),
                null),
            key);
    assertThat(joined.peer()).isEqualTo("laptop");
  }

  @Test
  void twoMachinesRacingWithOneBootstrapTokenGetOneJoin() throws Exception {
    for (int round = 0; round < 5; round++) {
      String name = "vm-" + round;
      Peer peer =
          client.resource(TestObjects.peer(namespace, name, "mesh", ProviderType.STATIC)).create();
      String secret = BootstrapSecrets.randomToken();
      client
          .resource(BootstrapSecrets.secret(peer, secret, Instant.now().plusSeconds(3600)))
          .create();
      String token = Tokens.format(Tokens.Kind.BOOTSTRAP, namespace, name, secret);
      int racers = 4;
      var start = new CountDownLatch(1);
      var pool = Executors.newFixedThreadPool(racers);
      List<Future<String>> outcomes = new ArrayList<>();
      for (int i = 0; i < racers; i++) {
        String key = KeyProof.newPrivateKey();
        JoinRequest request =
            new JoinRequest(token, name, KeyProof.publicKeyOf(key), List.of(), null);
        outcomes.add(
            pool.submit(
                () -> {
                  start.await();
                  try {
                    api.join(request, key);
                    return "joined";
                  } catch (CoordinationClient.Refused e) {
                    return e.error().reason();
                  }
                }));
      }
      start.countDown();
      List<String> results = new ArrayList<>();
      for (var outcome : outcomes) {
        results.add(outcome.get(60, TimeUnit.SECONDS));
      }
      pool.shutdown();
      assertThat(results).as("round " + round).containsOnlyOnce("joined");
      assertThat(results.stream().filter(r -> !r.equals("joined")))
          .allSatisfy(r -> assertThat(r).isEqualTo("TokenAlreadyUsed"));
    }
  }

  @Test
  void anAgentSpeaksOnlyForItselfEndpointsOthersCanReachReplicasOnItsSubnet() throws Exception {
    String key = KeyProof.newPrivateKey();
    for (String endpoint :
        List.of("127.0.0.1:51820", "169.254.1.1:51820", "100.81.7.1:51820", "224.0.0.1:51820")) {
      assertRefused(
          () ->
              api.join(
                  new JoinRequest(
                      token(), "liar", KeyProof.publicKeyOf(key), List.of(endpoint), null),
                  key),
          403,
          "ClaimRefused");
    }
    JoinResponse joined =
        api.join(
            new JoinRequest(
                token(), "honest", KeyProof.publicKeyOf(key), List.of("198.18.3.9:51820"), null),
            key);
    String subnet = joined.self().subnet();
    assertRefused(
        () ->
            api.status(
                joined.credential(),
                new StatusReport("honest", null, List.of("127.0.0.1:51820"), null, List.of())),
        403,
        "ClaimRefused");
    // another peer's address for its replica: DNS would send that peer's traffic here (checked
    // once the Peer's status has its subnet)
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertRefused(
                    () ->
                        api.status(
                            joined.credential(),
                            new StatusReport(
                                "honest",
                                null,
                                List.of("198.18.3.9:51820"),
                                null,
                                List.of(),
                                List.of(
                                    new ReplicaStatus(
                                        "web-0",
                                        ReplicaStatus.RUNNING,
                                        "100.81.200.1",
                                        0,
                                        null,
                                        null)))),
                    403,
                    "ClaimRefused"));
    String own = subnet.substring(0, subnet.lastIndexOf('.')) + ".1";
    api.status(
        joined.credential(),
        new StatusReport(
            "honest",
            null,
            List.of("198.18.3.9:51820"),
            null,
            List.of(),
            List.of(new ReplicaStatus("web-0", ReplicaStatus.RUNNING, own, 0, null, null))));
  }

  @Test
  void refusalsDoNotTellAStrangerWhatExistsAndTokensNeverBecomePaths() throws Exception {
    String key = KeyProof.newPrivateKey();
    // a cluster that exists (with a wrong secret) and one that does not: the same answer
    String exists = "mfj:" + namespace + ":mesh:" + "0".repeat(64);
    String missing = "mfj:" + namespace + ":nothing:" + "0".repeat(64);
    String elsewhere = "mfj:kube-system:mesh:" + "0".repeat(64);
    List<String> messages = new ArrayList<>();
    for (String token : List.of(exists, missing, elsewhere)) {
      try {
        api.join(new JoinRequest(token, "x", KeyProof.publicKeyOf(key), List.of(), null), key);
      } catch (CoordinationClient.Refused e) {
        assertThat(e.status()).isEqualTo(401);
        messages.add(
            e.error().reason()
                + ": "
                + e.error()
                    .message()
                    .replace(token.split(":")[1] + "/" + token.split(":")[2], "…")
                    .replace(token.split(":")[2] + "-meshfed-join-token", "…"));
      }
    }
    assertThat(messages).hasSize(3).containsOnly(messages.get(0));
    // the same for credentials of peers that exist and that do not
    JoinResponse joined =
        api.join(new JoinRequest(token(), "real", KeyProof.publicKeyOf(key), List.of(), null), key);
    String forged = "mfp:" + namespace + ":real:" + "0".repeat(64);
    String nobody = "mfp:" + namespace + ":nobody:" + "0".repeat(64);
    assertRefused(() -> api.netmap(forged, "real", null), 401, "InvalidCredential");
    assertRefused(() -> api.netmap(nobody, "nobody", null), 401, "InvalidCredential");
    assertThat(api.netmap(joined.credential(), "real", null)).isPresent();
    // a token whose namespace would climb out of its API path is not a token
    HttpResponse<String> traversal =
        post(
            "/api/v1/join",
            JSON.writeValueAsString(
                new JoinRequest(
                        "mfj:..%2F..:mesh:" + "0".repeat(64),
                        "x",
                        KeyProof.publicKeyOf(key),
                        List.of(),
                        null)
                    .proven(api.challenge(), key)));
    assertThat(traversal.statusCode()).isEqualTo(401);
    assertThat(traversal.body()).contains("\"reason\":\"InvalidToken\"");
  }

  @Test
  void aCredentialHoldsAFewLongPollsAndReportsOfBoundedSize() throws Exception {
    String key = KeyProof.newPrivateKey();
    JoinResponse joined =
        api.join(
            new JoinRequest(token(), "greedy", KeyProof.publicKeyOf(key), List.of(), null), key);
    // a version no change follows for a while: the polls below park instead of being answered
    String settled = null;
    for (int tries = 0; settled == null && tries < 6; tries++) {
      String version = api.netmap(joined.credential(), "greedy", null).orElseThrow().version();
      if (api.netmap(joined.credential(), "greedy", version).isEmpty()) {
        settled = version;
      }
    }
    assertThat(settled).as("a map version that stays current for one long poll").isNotNull();
    String since = settled;
    var pool = Executors.newFixedThreadPool(8);
    List<Future<String>> polls = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      polls.add(
          pool.submit(
              () -> {
                try {
                  api.netmap(joined.credential(), "greedy", since);
                  return "answered";
                } catch (CoordinationClient.Refused e) {
                  return e.status() + " " + e.error().reason();
                }
              }));
      Thread.sleep(100); // in order: the first four park
    }
    List<String> outcomes = new ArrayList<>();
    for (var poll : polls) {
      outcomes.add(poll.get(30, TimeUnit.SECONDS));
    }
    pool.shutdown();
    assertThat(outcomes).filteredOn(o -> o.equals("429 TooManyPolls")).hasSize(2);
    // once they ended, polls are let in again
    assertThat(api.netmap(joined.credential(), "greedy", null)).isPresent();

    List<String> endpoints = new ArrayList<>();
    for (int i = 1; i <= 17; i++) {
      endpoints.add("198.18.4." + i + ":51820");
    }
    assertRefused(
        () ->
            api.status(
                joined.credential(), new StatusReport("greedy", null, endpoints, null, List.of())),
        400,
        "InvalidField");
  }

  @Test
  void unauthenticatedOperationsRefuseLargeOrUnmeasuredBodiesBeforeReadingThem() throws Exception {
    String big = "{\"token\":\"" + "x".repeat(100 * 1024) + "\"}";
    for (String path : List.of("/api/v1/join", "/api/v1/join/challenge", "/api/v1/rotate-key")) {
      HttpResponse<String> tooLarge = post(path, big);
      assertThat(tooLarge.statusCode()).as(path).isEqualTo(413);
      assertThat(JSON.readValue(tooLarge.body(), ApiError.class).reason())
          .isEqualTo("BodyTooLarge");
    }
    HttpClient http = HttpClient.newBuilder().sslContext(PinnedTrust.context(caHash)).build();
    HttpResponse<String> chunked =
        http.send(
            HttpRequest.newBuilder(URI.create("https://localhost:" + httpsPort + "/api/v1/join"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream("{}".getBytes(StandardCharsets.UTF_8))))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(chunked.statusCode()).isEqualTo(411);
    assertThat(JSON.readValue(chunked.body(), ApiError.class).reason()).isEqualTo("LengthRequired");
    // a status report may be large (its handshakes grow with the cluster): refused for its
    // credential, not its size
    assertThat(post("/api/v1/status", big).statusCode()).isEqualTo(401);
  }

  private String token() {
    return TestAgents.clusterToken(client, namespace, "mesh");
  }

  private Secret membership(String peer) {
    return client.secrets().inNamespace(namespace).withName(peer + "-meshfed-agent").get();
  }

  /** A proven request sent as is (the agent's client would ask for its own challenge). */
  private void post(JoinRequest request) throws Exception {
    HttpResponse<String> response = post("/api/v1/join", JSON.writeValueAsString(request));
    if (response.statusCode() >= 400) {
      var error = JSON.readValue(response.body(), ApiError.class);
      throw new CoordinationClient.Refused(response.statusCode(), error);
    }
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(PinnedTrust.context(caHash)).build();
    return http.send(
        HttpRequest.newBuilder(URI.create("https://localhost:" + httpsPort + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
