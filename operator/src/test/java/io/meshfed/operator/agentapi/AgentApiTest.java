package io.meshfed.operator.agentapi;

import static io.meshfed.operator.testing.Refusals.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.meshfed.agent.CoordinationClient;
import io.meshfed.agent.PinnedTrust;
import io.meshfed.api.agent.AgentFacts;
import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.JoinResponse;
import io.meshfed.api.agent.NetMap;
import io.meshfed.api.agent.StatusReport;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.operator.join.AgentSecrets;
import io.meshfed.operator.join.JoinTokens;
import io.meshfed.operator.server.AgentApiTls;
import io.meshfed.operator.server.Certificates;
import io.meshfed.operator.testing.AgentConnections;
import io.meshfed.operator.testing.KubeApiServerResource;
import io.meshfed.operator.testing.SilencingProxy;
import io.meshfed.operator.testing.TestAgents;
import io.meshfed.operator.testing.TestObjects;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.http.HttpVersion;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent API against the real API server, spoken with the agent's own client: joins, maps,
 * heartbeats, and every refusal with its status, reason and field — and nothing created by a
 * refused join.
 */
@QuarkusTest
@QuarkusTestResource(value = KubeApiServerResource.class, restrictToAnnotatedClass = false)
class AgentApiTest {
  private static final String KEY_A = key(1);
  private static final String KEY_B = key(2);

  @ConfigProperty(name = "quarkus.http.test-ssl-port")
  int httpsPort;

  @ConfigProperty(name = "quarkus.http.test-port")
  int httpPort;

  private final KubernetesClient client = KubeApiServerResource.client();
  private String namespace;
  private String server;
  private String caHash;
  private CoordinationClient api;

  @BeforeEach
  void cluster() {
    namespace = TestObjects.freshNamespace(client, "agentapi");
    client.resource(TestObjects.cluster(namespace, "mesh", "100.80.0.0/16", 24)).create();
    server = "https://localhost:" + httpsPort;
    Secret ca = client.secrets().inNamespace("default").withName(AgentApiTls.CA_SECRET).get();
    caHash = PinnedTrust.hashOf(Certificates.parseCertificate(AgentSecrets.read(ca, "tls.crt")));
    api = new CoordinationClient(server, caHash);
  }

  @Test
  void hostsJoinWithTheClusterTokenGetAnAddressAndReachEachOthersMaps() throws Exception {
    JoinResponse a =
        TestAgents.join(
            api,
            new JoinRequest(clusterToken(), "host-a", KEY_A, List.of("198.18.0.2:51820"), facts()));
    assertThat(a.peer()).isEqualTo("host-a");
    assertThat(a.self().meshAddress()).startsWith("100.80.").endsWith(".1");
    assertThat(a.self().clusterCidr()).isEqualTo("100.80.0.0/16");
    assertThat(a.credential()).startsWith("mfp:" + namespace + ":host-a:");

    Peer peer = client.resources(Peer.class).inNamespace(namespace).withName("host-a").get();
    assertThat(peer.getSpec().getProvider()).isEqualTo(ProviderType.STATIC);
    Secret membership =
        client.secrets().inNamespace(namespace).withName("host-a-meshfed-agent").get();
    String secretPart = a.credential().substring(a.credential().lastIndexOf(':') + 1);
    assertThat(membership.getData().values())
        .noneMatch(v -> new String(Base64.getDecoder().decode(v)).contains(secretPart));
    assertThat(AgentSecrets.read(membership, "credential-sha256"))
        .isEqualTo(AgentSecrets.sha256(secretPart));

    // joined, but Ready only with a heartbeat: then its Lease exists and status shows the agent
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(phase("host-a")).isEqualTo(PeerPhase.JOINING));
    api.status(
        a.credential(),
        new StatusReport("host-a", null, List.of("198.18.0.2:51820"), facts(), List.of()));
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              Peer ready =
                  client.resources(Peer.class).inNamespace(namespace).withName("host-a").get();
              assertThat(ready.getStatus().getPhase()).isEqualTo(PeerPhase.READY);
              assertThat(ready.getStatus().getPublicKey()).isEqualTo(KEY_A);
              assertThat(ready.getStatus().getEndpoint()).isEqualTo("198.18.0.2:51820");
              assertThat(ready.getStatus().getAgent().getVersion()).isEqualTo("test");
              assertThat(ready.getStatus().getCapacity().getCpu().toString()).isEqualTo("2");
            });
    assertThat(
            client
                .resources(Lease.class)
                .inNamespace(namespace)
                .withName("host-a-meshfed-agent")
                .get()
                .getSpec()
                .getRenewTime())
        .isNotNull();

    NetMap first = api.netmap(a.credential(), "host-a", null).orElseThrow();
    assertThat(first.full()).isTrue();
    assertThat(first.peers()).isEmpty();

    // A waits on its version; B joins and reports: A's long poll answers with a delta holding only
    // B
    CompletableFuture<Optional<NetMap>> waiting =
        pollInBackground(api, a.credential(), "host-a", first.version());
    JoinResponse b =
        TestAgents.join(
            api,
            new JoinRequest(clusterToken(), "host-b", KEY_B, List.of("198.18.0.3:51820"), facts()));
    assertThat(b.self().subnet()).isNotEqualTo(a.self().subnet());
    api.status(
        b.credential(),
        new StatusReport("host-b", null, List.of("198.18.0.3:51820"), facts(), List.of()));
    NetMap delta = withPeers(a, "host-a", first.version(), waiting.get(10, TimeUnit.SECONDS));
    assertThat(delta.full()).isFalse();
    assertThat(delta.peers())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.name()).isEqualTo("host-b");
              assertThat(p.publicKey()).isEqualTo(KEY_B);
              assertThat(p.endpoints()).containsExactly("198.18.0.3:51820");
              assertThat(p.allowedIPs()).containsExactly(b.self().subnet());
            });
    // an unknown version (another operator process's) gets the full map
    NetMap full = api.netmap(b.credential(), "host-b", "0000.7").orElseThrow();
    assertThat(full.full()).isTrue();
    assertThat(full.peers()).extracting(p -> p.name()).containsExactly("host-a");

    // deleting B revokes its credential and takes it off A's map
    client.resources(Peer.class).inNamespace(namespace).withName("host-b").delete();
    NetMap removal = api.netmap(a.credential(), "host-a", delta.version()).orElseThrow();
    assertThat(removal.removed()).containsExactly("host-b");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThatThrownBy(() -> api.netmap(b.credential(), "host-b", null))
                    .isInstanceOfSatisfying(
                        CoordinationClient.Refused.class,
                        e -> {
                          assertThat(e.status()).isEqualTo(401);
                          assertThat(e.error().reason())
                              .isIn("CredentialRevoked", "InvalidCredential");
                        }));
  }

  @Test
  void aPeersOwnConfigurationTravelsOnlyWhenItChanges() throws Exception {
    JoinResponse a =
        TestAgents.join(
            api,
            new JoinRequest(clusterToken(), "self-a", KEY_A, List.of("198.18.0.2:51820"), facts()));
    api.status(
        a.credential(),
        new StatusReport("self-a", null, List.of("198.18.0.2:51820"), facts(), List.of()));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(phase("self-a")).isEqualTo(PeerPhase.READY));
    // its own configuration is in its full map once the map has it (the join answered it already)
    NetMap full =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () -> api.netmap(a.credential(), "self-a", null).orElseThrow(),
                map -> map.self() != null);
    assertThat(full.self().domain()).isEqualTo("mesh.internal");

    // another peer joins: A's delta carries it, not A's own unchanged configuration
    JoinResponse b =
        TestAgents.join(
            api,
            new JoinRequest(clusterToken(), "self-b", KEY_B, List.of("198.18.0.3:51820"), facts()));
    api.status(
        b.credential(),
        new StatusReport("self-b", null, List.of("198.18.0.3:51820"), facts(), List.of()));
    NetMap delta =
        withPeers(
            a, "self-a", full.version(), api.netmap(a.credential(), "self-a", full.version()));
    assertThat(delta.peers()).extracting(p -> p.name()).containsExactly("self-b");
    assertThat(delta.self()).isNull();

    // the cluster's domain changes: every agent hears of it, though no peer entry changed
    // a merge patch, like kubectl patch: no resourceVersion, so the operator's own status writes
    // cannot conflict
    client
        .resources(MeshCluster.class)
        .inNamespace(namespace)
        .withName("mesh")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"domain\":\"renamed.mesh\"}}");
    NetMap renamed = api.netmap(a.credential(), "self-a", delta.version()).orElseThrow();
    assertThat(renamed.self().domain()).isEqualTo("renamed.mesh");
    assertThat(renamed.peers()).isEmpty();
  }

  @Test
  void refusedJoinsSayWhyAndCreateNothing() throws Exception {
    String token = clusterToken();
    String wrong = token.substring(0, token.lastIndexOf(':') + 1) + "0".repeat(64);
    assertRefused(
        () -> TestAgents.join(api, new JoinRequest(wrong, "x", KEY_A, List.of(), facts())),
        401,
        "InvalidToken");
    assertRefused(
        () -> TestAgents.join(api, new JoinRequest("hello", "x", KEY_A, List.of(), facts())),
        401,
        "InvalidToken");
    assertRefused(
        () -> TestAgents.join(api, new JoinRequest(token, "x", "not-a-key", List.of(), facts())),
        400,
        "InvalidField");
    assertRefused(
        () -> TestAgents.join(api, new JoinRequest(token, "Bad_Name", KEY_A, List.of(), facts())),
        400,
        "InvalidField");
    assertRefused(
        () -> TestAgents.join(api, new JoinRequest(token, "x", KEY_A, List.of("1.2.3.4"), facts())),
        400,
        "InvalidField");

    // raw bodies: wrong JSON types and no JSON at all
    HttpResponse<String> typed =
        post("/api/v1/join", "{\"token\":\"t\",\"publicKey\":\"k\",\"endpoints\":{\"a\":1}}");
    assertThat(typed.statusCode()).isEqualTo(400);
    assertThat(typed.body()).contains("\"field\":\"endpoints\"");
    HttpResponse<String> garbage = post("/api/v1/join", "{not json");
    assertThat(garbage.statusCode()).isEqualTo(400);
    assertThat(garbage.body()).contains("MalformedBody");
    HttpResponse<String> missingKey = post("/api/v1/join", "{\"token\":\"" + token + "\"}");
    assertThat(missingKey.statusCode()).isEqualTo(400);
    assertThat(missingKey.body()).contains("\"field\":\"publicKey\"");

    // an expired token: the operator rotates it and still knows the old one
    client
        .secrets()
        .inNamespace(namespace)
        .withName(JoinTokens.secretName("mesh"))
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"annotations\":{\""
                + JoinTokens.EXPIRES_ANNOTATION
                + "\":\"2020-01-01T00:00:00Z\"}}}");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertRefused(
                    () ->
                        TestAgents.join(
                            api, new JoinRequest(token, "x", KEY_A, List.of(), facts())),
                    401,
                    "TokenExpired"));

    assertThat(client.resources(Peer.class).inNamespace(namespace).list().getItems()).isEmpty();
    assertThat(
            client
                .secrets()
                .inNamespace(namespace)
                .withLabel(AgentSecrets.ROLE_LABEL)
                .list()
                .getItems())
        .isEmpty();

    // plain HTTP is refused on the agent API
    HttpResponse<String> plain =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://localhost:" + httpPort + "/api/v1/netmap"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(plain.statusCode()).isEqualTo(403);
    assertThat(plain.body()).contains("HttpsRequired");
  }

  @Test
  void aCredentialActsOnlyForItsOwnPeer() throws Exception {
    JoinResponse a =
        TestAgents.join(api, new JoinRequest(clusterToken(), "one", KEY_A, List.of(), facts()));
    TestAgents.join(api, new JoinRequest(clusterToken(), "two", KEY_B, List.of(), facts()));
    assertRefused(
        () ->
            api.status(
                a.credential(), new StatusReport("two", null, List.of(), facts(), List.of())),
        403,
        "CredentialScope");
    assertRefused(() -> api.netmap(a.credential(), "two", null), 403, "CredentialScope");
    String forged =
        "mfp:"
            + namespace
            + ":two:"
            + a.credential().substring(a.credential().lastIndexOf(':') + 1);
    assertRefused(() -> api.netmap(forged, "two", null), 401, "InvalidCredential");
    // the same name joining again with another key is refused: its Peer is taken
    assertRefused(
        () ->
            TestAgents.join(api, new JoinRequest(clusterToken(), "one", KEY_B, List.of(), facts())),
        409,
        "PeerAlreadyJoined");
  }

  @Test
  void machinesFetchTheInstallerTheCaAndTheAgentWithoutCredentials() throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(PinnedTrust.context(caHash)).build();
    HttpResponse<String> script =
        http.send(
            HttpRequest.newBuilder(URI.create(server + "/api/v1/install.sh")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(script.body()).startsWith("#!/bin/sh").contains("--ca-hash");
    HttpResponse<String> ca =
        http.send(
            HttpRequest.newBuilder(URI.create(server + "/api/v1/ca.crt")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(ca.statusCode()).isEqualTo(200);
    assertThat(PinnedTrust.hashOf(Certificates.parseCertificate(ca.body())))
        .as("the CA the join pins")
        .isEqualTo(caHash);
    HttpResponse<byte[]> jar =
        http.send(
            HttpRequest.newBuilder(URI.create(server + "/api/v1/agent.jar")).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    // the build makes the agent before the operator's tests
    assertThat(jar.statusCode()).isEqualTo(200);
    assertThat(jar.body()).startsWith(0x50, 0x4b); // a zip
    // no wireguard-go build beside this operator (its image has one): installs use their
    // distribution's package, and the answer says so
    HttpResponse<String> wireguardGo =
        http.send(
            HttpRequest.newBuilder(URI.create(server + "/api/v1/wireguard-go")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(wireguardGo.statusCode()).isEqualTo(404);
    assertThat(wireguardGo.body()).contains("WireGuardGoMissing", "distribution's package");
  }

  @Test
  void anAgentsLongPollAndReportsShareOneHttp2Connection() throws Exception {
    JoinResponse a =
        TestAgents.join(
            api,
            new JoinRequest(clusterToken(), "conn-a", KEY_A, List.of("198.18.0.2:51820"), facts()));
    StatusReport report =
        new StatusReport("conn-a", null, List.of("198.18.0.2:51820"), facts(), List.of());
    api.status(a.credential(), report);
    NetMap first = api.netmap(a.credential(), "conn-a", null).orElseThrow();

    // a poll that waits (nothing changes for conn-a) while the agent reports: over HTTP/1.1 each
    // would need a connection of its own
    CompletableFuture<Optional<NetMap>> waiting =
        pollInBackground(api, a.credential(), "conn-a", first.version());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> AgentConnections.of(a.credential()).size() == 3);
    for (int i = 0; i < 3; i++) {
      api.status(a.credential(), report);
    }
    assertThat(waiting).isNotDone();

    List<AgentConnections.Seen> seen = AgentConnections.of(a.credential());
    assertThat(seen)
        .extracting(AgentConnections.Seen::path)
        .containsExactly(
            "/api/v1/status",
            "/api/v1/netmap",
            "/api/v1/netmap",
            "/api/v1/status",
            "/api/v1/status",
            "/api/v1/status");
    assertThat(seen).extracting(AgentConnections.Seen::version).containsOnly(HttpVersion.HTTP_2);
    assertThat(seen.stream().map(AgentConnections.Seen::connection).distinct()).hasSize(1);
    waiting.cancel(true);
  }

  @Test
  void aConnectionThatAnswersNothingIsReplacedAndOneThatIsOnlySlowIsKept() throws Exception {
    try (SilencingProxy proxy = SilencingProxy.to(httpsPort)) {
      Duration quick = Duration.ofSeconds(2);
      CoordinationClient agent =
          new CoordinationClient(
              "https://localhost:" + proxy.port(),
              List.of(caHash),
              new CoordinationClient.Timeouts(quick, quick, Duration.ofSeconds(10), quick));
      JoinResponse a =
          TestAgents.join(
              agent,
              new JoinRequest(
                  clusterToken(), "silent-a", KEY_A, List.of("198.18.0.2:51820"), facts()));
      String credential = a.credential();
      StatusReport report =
          new StatusReport("silent-a", null, List.of("198.18.0.2:51820"), facts(), List.of());
      agent.status(credential, report);
      NetMap first = agent.netmap(credential, "silent-a", null).orElseThrow();

      // slow, not dead: a poll outlives its timeout while a report is answered
      CompletableFuture<Optional<NetMap>> poll =
          pollInBackground(agent, credential, "silent-a", first.version());
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> AgentConnections.of(credential).size() == 3);
      agent.status(credential, report);
      assertThat(poll)
          .failsWithin(Duration.ofSeconds(10))
          .withThrowableOfType(ExecutionException.class)
          .havingRootCause()
          .isInstanceOf(HttpTimeoutException.class);
      agent.status(credential, report);
      assertThat(proxy.connectionsAccepted()).isEqualTo(1);

      // dead: nothing comes back; the next request goes over a new connection
      proxy.silenceOpenConnections();
      assertThatThrownBy(() -> agent.status(credential, report))
          .isInstanceOf(HttpTimeoutException.class);
      agent.status(credential, report);
      assertThat(proxy.connectionsAccepted()).isEqualTo(2);
    }
  }

  /** A long poll on another thread: it waits for a change after {@code since}. */
  private static CompletableFuture<Optional<NetMap>> pollInBackground(
      CoordinationClient agent, String credential, String peer, String since) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return agent.netmap(credential, peer, since);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(PinnedTrust.context(caHash)).build();
    return http.send(
        HttpRequest.newBuilder(URI.create(server + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String clusterToken() {
    return TestAgents.clusterToken(client, namespace, "mesh");
  }

  private PeerPhase phase(String peer) {
    Peer p = client.resources(Peer.class).inNamespace(namespace).withName(peer).get();
    return p == null || p.getStatus() == null ? null : p.getStatus().getPhase();
  }

  private static AgentFacts facts() {
    return TestAgents.facts(2, 4L << 30);
  }

  private static String key(int seed) {
    return TestAgents.key(seed);
  }

  /**
   * The first delta from {@code since} on that carries peers: a joining peer may enter the hub
   * before it is Ready, a version the others see as a delta without peers (and without their own
   * configuration, which did not change); a long poll that ended with nothing is asked again.
   */
  private NetMap withPeers(JoinResponse agent, String name, String since, Optional<NetMap> answer)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      if (answer.isPresent()) {
        NetMap delta = answer.get();
        if (!delta.peers().isEmpty() || (delta.removed() != null && !delta.removed().isEmpty())) {
          return delta;
        }
        assertThat(delta.self()).isNull();
        since = delta.version();
      }
      assertThat(System.nanoTime()).as("a delta with peers within 20 s").isLessThan(deadline);
      answer = api.netmap(agent.credential(), name, since);
    }
  }
}
