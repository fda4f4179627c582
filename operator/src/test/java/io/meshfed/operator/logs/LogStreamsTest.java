package io.meshfed.operator.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.agent.CoordinationClient;
import io.meshfed.agent.PinnedTrust;
import io.meshfed.api.agent.ApiError;
import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.JoinResponse;
import io.meshfed.api.agent.LogFetch;
import io.meshfed.api.agent.NetMap;
import io.meshfed.api.agent.StatusReport;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.LogRequest;
import io.meshfed.api.v1alpha1.LogRequestSpec;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.ResourceAmounts;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.api.v1alpha1.WorkloadResources;
import io.meshfed.api.v1alpha1.WorkloadSpec;
import io.meshfed.operator.testing.KubeApiServerResource;
import io.meshfed.operator.testing.TestAgents;
import io.meshfed.operator.testing.TestObjects;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Logs through the agent API against the real API server: a reader with a LogRequest's ticket, an
 * agent spoken to over the agent API that the reader's stream wakes, its chunks to the reader.
 */
@QuarkusTest
@QuarkusTestResource(value = KubeApiServerResource.class, restrictToAnnotatedClass = false)
class LogStreamsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @ConfigProperty(name = "quarkus.http.test-ssl-port")
  int httpsPort;

  private final KubernetesClient client = KubeApiServerResource.client();
  private String namespace;
  private CoordinationClient api;
  private HttpClient http;
  private JoinResponse agent;

  @BeforeEach
  void aWorkloadWithOneReplicaOnAnAgent() throws Exception {
    namespace = TestObjects.freshNamespace(client, "logs");
    client.resource(TestObjects.cluster(namespace, "mesh", "100.84.0.0/16", 24)).create();
    String caHash = TestAgents.caHash(client);
    api = new CoordinationClient("https://localhost:" + httpsPort, caHash);
    http = HttpClient.newBuilder().sslContext(PinnedTrust.context(caHash)).build();
    agent = joinAndReport("p1", 1);
    Workload web = new Workload();
    web.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName("web").build());
    WorkloadSpec spec = new WorkloadSpec();
    spec.setClusterRef(new ClusterReference("mesh"));
    spec.setReplicas(1);
    spec.setCommand(List.of("sh", "-c", "echo hello; sleep 600"));
    WorkloadResources resources = new WorkloadResources();
    resources.setRequests(new ResourceAmounts(new Quantity("100m"), new Quantity("64Mi")));
    spec.setResources(resources);
    web.setSpec(spec);
    client.resource(web).create();
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () -> {
              Workload w =
                  client.resources(Workload.class).inNamespace(namespace).withName("web").get();
              return w.getStatus() != null
                  && w.getStatus().getPlacements().stream().anyMatch(p -> "p1".equals(p.getPeer()));
            });
  }

  private JoinResponse joinAndReport(String name, int seed) throws Exception {
    JoinResponse joined =
        TestAgents.join(
            api,
            new JoinRequest(
                TestAgents.clusterToken(client, namespace, "mesh"),
                name,
                TestAgents.key(seed),
                List.of("198.18.0." + seed + ":51820"),
                TestAgents.facts(2, 4L << 30)));
    api.status(
        joined.credential(),
        new StatusReport(
            name,
            null,
            List.of("198.18.0." + seed + ":51820"),
            TestAgents.facts(2, 4L << 30),
            List.of(),
            List.of()));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                client
                        .resources(Peer.class)
                        .inNamespace(namespace)
                        .withName(name)
                        .get()
                        .getStatus()
                        .getPhase()
                    == PeerPhase.READY);
    return joined;
  }

  /** A LogRequest as kubectl meshfed logs makes it; answers its ticket. */
  private String request(
      String name, String workload, Integer replica, boolean follow, boolean previous) {
    String ticket = UUID.randomUUID() + "-" + UUID.randomUUID();
    LogRequest request = new LogRequest();
    request.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
    LogRequestSpec spec = new LogRequestSpec();
    spec.setWorkload(workload);
    spec.setReplica(replica);
    spec.setFollow(follow ? true : null);
    spec.setPrevious(previous ? true : null);
    spec.setTicketHash(LogRequestSpec.hashOf(ticket));
    request.setSpec(spec);
    client.resource(request).create();
    return ticket;
  }

  private CompletableFuture<HttpResponse<InputStream>> read(String request, String ticket) {
    HttpRequest.Builder get =
        HttpRequest.newBuilder(
            URI.create(
                "https://localhost:"
                    + httpsPort
                    + "/api/v1/logs/requests/"
                    + namespace
                    + "/"
                    + request));
    if (ticket != null) {
      get.header("Authorization", "Bearer " + ticket);
    }
    return http.sendAsync(get.build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  /** The agent's long poll, from the version it has: what it is asked to send. */
  private List<LogFetch> awaitFetches() throws Exception {
    String version = api.netmap(agent.credential(), "p1", null).orElseThrow().version();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      NetMap map = api.netmap(agent.credential(), "p1", version).orElse(null);
      if (map != null && map.logFetches() != null) {
        assertThat(map.onlyLogFetches()).as("nothing of the map changed").isTrue();
        assertThat(map.version()).isEqualTo(version);
        return map.logFetches();
      }
      if (map != null) {
        version = map.version();
      }
    }
    throw new AssertionError("no log fetch in 20 s");
  }

  private static String body(HttpResponse<InputStream> response) throws Exception {
    try (InputStream in = response.body()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static ApiError error(HttpResponse<InputStream> response) throws Exception {
    return JSON.readValue(body(response), ApiError.class);
  }

  @Test
  void theAgentIsAskedAtItsPollAndItsChunksReachTheReaderThenTheTicketIsUsed() throws Exception {
    String ticket = request("tail", "web", null, false, false);
    var reading = read("tail", ticket);
    LogFetch fetch = awaitFetches().get(0);
    assertThat(fetch.replica()).isEqualTo("web-0");
    assertThat(fetch.follow()).isFalse();
    assertThat(api.logChunk(agent.credential(), "p1", fetch.id(), "hello\n".getBytes()))
        .isEqualTo(204);
    assertThat(api.logChunk(agent.credential(), "p1", fetch.id(), "world\n".getBytes()))
        .isEqualTo(204);
    api.logEnd(agent.credential(), "p1", fetch.id(), null);

    HttpResponse<InputStream> response = reading.get();
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("X-Meshfed-Peer")).contains("p1");
    assertThat(body(response)).isEqualTo("hello\nworld\n");
    LogRequest served =
        client.resources(LogRequest.class).inNamespace(namespace).withName("tail").get();
    assertThat(served.getStatus().getServedAt()).isNotNull();
    assertThat(served.getStatus().getPeer()).isEqualTo("p1");

    HttpResponse<InputStream> again = read("tail", ticket).get();
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(error(again).reason()).isEqualTo("TicketUsed");
    assertThat(api.logChunk(agent.credential(), "p1", fetch.id(), "late\n".getBytes()))
        .as("the stream ended: nobody reads")
        .isEqualTo(404);
  }

  @Test
  void whatTheAgentCannotSendIsTheReadersAnswer() throws Exception {
    String ticket = request("previous", "web", 0, false, true);
    var reading = read("previous", ticket);
    LogFetch fetch = awaitFetches().get(0);
    assertThat(fetch.previous()).isTrue();
    api.logEnd(
        agent.credential(),
        "p1",
        fetch.id(),
        new ApiError("NoPreviousRun", "replica web-0 has not restarted on this peer"));
    HttpResponse<InputStream> response = reading.get();
    assertThat(response.statusCode()).isEqualTo(404);
    ApiError error = error(response);
    assertThat(error.reason()).isEqualTo("NoPreviousRun");
    assertThat(error.message()).isEqualTo("peer p1: replica web-0 has not restarted on this peer");
  }

  @Test
  void aFollowedStreamEndsForTheAgentWhenItsReaderGoes() throws Exception {
    String ticket = request("follow", "web", null, true, false);
    var reading = read("follow", ticket);
    LogFetch fetch = awaitFetches().get(0);
    assertThat(fetch.follow()).isTrue();
    JoinResponse other = joinAndReport("p2", 2);
    assertThat(api.logChunk(other.credential(), "p2", fetch.id(), "not mine\n".getBytes()))
        .as("another peer's agent cannot write to the stream")
        .isEqualTo(404);
    assertThat(api.logChunk(agent.credential(), "p1", fetch.id(), "line 1\n".getBytes()))
        .isEqualTo(204);
    HttpResponse<InputStream> response = reading.get();
    InputStream in = response.body();
    byte[] first = new byte[7];
    assertThat(in.readNBytes(first, 0, 7)).isEqualTo(7);
    assertThat(new String(first, StandardCharsets.UTF_8)).isEqualTo("line 1\n");
    in.close(); // the reader goes

    // the agent learns it at its next chunk (an empty one while the replica is quiet)
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> api.logChunk(agent.credential(), "p1", fetch.id(), new byte[0]) == 404);
  }

  @Test
  void aReaderIsToldWhatIsWrongWithItsRequest() throws Exception {
    assertThat(read("none", null).get().statusCode()).isEqualTo(401);
    HttpResponse<InputStream> missing = read("none", "some-ticket").get();
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(error(missing).reason()).isEqualTo("LogRequestNotFound");

    request("wrong", "web", null, false, false);
    HttpResponse<InputStream> wrong = read("wrong", "not-the-ticket").get();
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(error(wrong).reason()).isEqualTo("WrongTicket");

    HttpResponse<InputStream> noWorkload =
        read("nowl", request("nowl", "db", null, false, false)).get();
    assertThat(noWorkload.statusCode()).isEqualTo(404);
    assertThat(error(noWorkload).reason()).isEqualTo("WorkloadNotFound");

    HttpResponse<InputStream> noReplica =
        read("norep", request("norep", "web", 5, false, false)).get();
    assertThat(noReplica.statusCode()).isEqualTo(404);
    assertThat(error(noReplica))
        .satisfies(
            e -> {
              assertThat(e.reason()).isEqualTo("ReplicaNotPlaced");
              assertThat(e.message()).contains("no replica 5").contains("placed: web-0");
            });
  }
}
