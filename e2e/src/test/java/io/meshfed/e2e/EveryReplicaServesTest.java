package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.agent.CoordinationClient;
import io.meshfed.agent.PinnedTrust;
import io.meshfed.api.agent.AssignedReplica;
import io.meshfed.api.agent.LogFetch;
import io.meshfed.api.agent.NetMap;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.LogRequest;
import io.meshfed.api.v1alpha1.LogRequestSpec;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.ResourceAmounts;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.api.v1alpha1.WorkloadResources;
import io.meshfed.api.v1alpha1.WorkloadSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every operator replica serves agents (decision 0026): two replicas of the built jar (prod
 * profile, leader election on), each knowing its own address as the chart tells it its pod IP.
 * Agents are spread over them as the agent API Service spreads connections; here each agent is
 * bound to one replica, so that the test knows which one served it. An agent that talks only to the
 * standby joins there, holds its map there and reports there — its report reaches the leader, which
 * turns its Peer Ready. Then the leader is killed: the standby's agents keep their long polls, the
 * standby takes the Lease, a peer joins, and the maps move on as deltas — for the standby's agents
 * and for the killed replica's agent that reconnects to it. A log read on the standby meets the
 * agent polling there, though the stream lives on the leader.
 */
class EveryReplicaServesTest {
  static final String NS = "every-replica";
  static final List<String> REPLICAS = List.of("replica-a", "replica-b");
  static final Path work = Path.of("target/e2e/every-replica");

  static ControlPlane plane;
  static final Map<String, OperatorProcess> replicas = new LinkedHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    plane = ControlPlane.start(work, Path.of(System.getProperty("meshfed.crds")));
    KubernetesClient client = plane.client();
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .create();
    for (String identity : REPLICAS) {
      int port = OperatorProcess.freePort();
      replicas.put(
          identity,
          OperatorReplicas.start(
              client,
              Path.of(System.getProperty("meshfed.operator.jar")),
              plane.kubeconfig(),
              work.resolve(identity + ".log"),
              NS,
              identity,
              Map.of(
                  // short lease, so that the test does not wait long for the failover
                  "meshfed.leader-election.lease-duration",
                  "6s",
                  "quarkus.http.ssl-port",
                  String.valueOf(port),
                  "meshfed.agent-api.replica-address",
                  "https://127.0.0.1:" + port)));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (OperatorProcess replica : replicas.values()) {
      replica.close();
    }
    if (plane != null) {
      plane.close();
    }
  }

  @Test
  void agentsOnEitherReplicaShareOneMeshAndKeepItWhenTheLeaderIsKilled() throws Exception {
    KubernetesClient client = plane.client();
    client.resource(AgentApiFailoverTest.cluster(NS)).create();
    String token =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> AgentApiAccess.joinToken(client, NS, "mesh"), Optional::isPresent)
            .orElseThrow();
    String caHash =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> AgentApiAccess.caHash(client, "default"), Optional::isPresent)
            .orElseThrow();
    // both replicas serve (the Service selects both pods), one leads
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> labelled(client, "meshfed.io/agent-api", "serving").size() == 2);
    List<String> leaders =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> labelled(client, "meshfed.io/leader", "true"), l -> l.size() == 1);
    String leader = leaders.get(0);
    String standby = REPLICAS.stream().filter(r -> !r.equals(leader)).findFirst().orElseThrow();
    CoordinationClient atLeader = clientOf(leader, caHash);
    CoordinationClient atStandby = clientOf(standby, caHash);

    // a and b only ever talk to the standby, c to the leader
    Map<String, String> credentials = new LinkedHashMap<>();
    credentials.put("a", TestAgents.joinAndReport(atStandby, token, "a", 1));
    await("Peer a Ready").atMost(Duration.ofSeconds(60)).until(() -> ready(client, "a"));
    client.resource(web()).create(); // its one replica goes on a, the only peer yet
    credentials.put("b", TestAgents.joinAndReport(atStandby, token, "b", 2));
    credentials.put("c", TestAgents.joinAndReport(atLeader, token, "c", 3));
    for (String name : credentials.keySet()) {
      // its report reached the leader: the data-plane verdict comes from the leader's memory only
      // (a Lease, which any replica writes, is not enough for it)
      await("Peer " + name + " reported to the leader")
          .atMost(Duration.ofSeconds(60))
          .until(() -> ready(client, name) && reportedToLeader(client, name));
    }
    await("web on a")
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              Workload web = client.resources(Workload.class).inNamespace(NS).withName("web").get();
              return web.getStatus() != null
                  && web.getStatus().getPlacements().stream()
                      .anyMatch(p -> "a".equals(p.getPeer()));
            });
    Thread.sleep(2_000); // a status write's look-again settles (decision 0024)
    NetMap forA = atStandby.netmap(credentials.get("a"), "a", null).orElseThrow();
    assertThat(TestAgents.names(forA)).containsExactlyInAnyOrder("b", "c");
    assertThat(forA.replicas())
        .as("the standby's map carries what the leader placed on a")
        .extracting(AssignedReplica::name)
        .containsExactly("web-0");
    NetMap forB = atStandby.netmap(credentials.get("b"), "b", null).orElseThrow();
    NetMap forC = atLeader.netmap(credentials.get("c"), "c", null).orElseThrow();
    assertThat(TestAgents.names(forC)).containsExactlyInAnyOrder("a", "b");

    // what the standby passes on carries the leader's answer: the CAs to pin
    assertThat(atStandby.status(credentials.get("a"), TestAgents.report("a", 1))).contains(caHash);
    // a request already passed on is never passed on again (a Lease that moved meanwhile)
    HttpResponse<String> twice = forwardedAgain(standby, caHash, credentials.get("a"));
    assertThat(twice.statusCode()).isEqualTo(503);
    assertThat(twice.body()).contains("NotLeader");

    // a log read: the reader and the agent's poll both on the standby, the stream on the leader
    String version = atStandby.netmap(credentials.get("a"), "a", null).orElseThrow().version();
    CompletableFuture<List<LogFetch>> fetches =
        CompletableFuture.supplyAsync(() -> awaitFetches(atStandby, credentials.get("a"), version));
    Thread.sleep(1_000); // the poll waits on the standby
    String ticket = logRequest(client, "tail");
    CompletableFuture<HttpResponse<String>> reading = read(standby, caHash, "tail", ticket);
    LogFetch fetch = fetches.get(30, TimeUnit.SECONDS).get(0);
    assertThat(fetch.replica()).isEqualTo("web-0");
    assertThat(atStandby.logChunk(credentials.get("a"), "a", fetch.id(), "hello\n".getBytes()))
        .isEqualTo(204);
    atStandby.logEnd(credentials.get("a"), "a", fetch.id(), null);
    HttpResponse<String> output = reading.get(30, TimeUnit.SECONDS);
    assertThat(output.statusCode()).isEqualTo(200);
    assertThat(output.body()).isEqualTo("hello\n");

    // the leader goes; the standby's agents keep polling it, c comes over
    replicas.get(leader).kill();
    credentials.put("d", TestAgents.join(atStandby, token, "d", 4));
    // no reconciler runs while the Lease still names the killed replica: the join itself wrote
    // what every replica's maps take the peer from
    Peer joined = client.resources(Peer.class).inNamespace(NS).withName("d").get();
    assertThat(client.leases().inNamespace(NS).withName("meshfed-operator-leader").get())
        .extracting(l -> l.getSpec().getHolderIdentity())
        .isEqualTo(leader);
    assertThat(joined.getStatus().getPublicKey()).isNotNull();
    assertThat(joined.getStatus().getSubnet()).isNotNull();
    assertThat(joined.getStatus().getInterfaceEndpoints()).containsExactly("198.18.0.4:51820");
    NetMap nextA = atStandby.netmap(credentials.get("a"), "a", forA.version()).orElseThrow();
    assertThat(nextA.full()).isFalse();
    assertThat(TestAgents.names(nextA)).containsExactly("d");
    NetMap nextB = atStandby.netmap(credentials.get("b"), "b", forB.version()).orElseThrow();
    assertThat(TestAgents.names(nextB)).containsExactly("d");
    NetMap nextC = atStandby.netmap(credentials.get("c"), "c", forC.version()).orElseThrow();
    assertThat(nextC.full()).as("the killed replica's version stands here too").isFalse();
    assertThat(TestAgents.names(nextC)).containsExactly("d");

    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> labelled(client, "meshfed.io/leader", "true"), l -> l.equals(List.of(standby)));
    atStandby.status(credentials.get("d"), TestAgents.report("d", 4));
    await().atMost(Duration.ofSeconds(60)).until(() -> ready(client, "d"));
  }

  /** One replica; only where it is placed matters here (no agent runs it). */
  private static Workload web() {
    Workload web = new Workload();
    web.setMetadata(new ObjectMetaBuilder().withNamespace(NS).withName("web").build());
    WorkloadSpec spec = new WorkloadSpec();
    spec.setClusterRef(new ClusterReference("mesh"));
    spec.setReplicas(1);
    spec.setCommand(List.of("sh", "-c", "echo hello; sleep 600"));
    WorkloadResources resources = new WorkloadResources();
    resources.setRequests(new ResourceAmounts(new Quantity("100m"), new Quantity("64Mi")));
    spec.setResources(resources);
    web.setSpec(spec);
    return web;
  }

  /** A LogRequest as kubectl meshfed logs makes it; answers its ticket. */
  private static String logRequest(KubernetesClient client, String name) {
    String ticket = UUID.randomUUID() + "-" + UUID.randomUUID();
    LogRequest request = new LogRequest();
    request.setMetadata(new ObjectMetaBuilder().withNamespace(NS).withName(name).build());
    LogRequestSpec spec = new LogRequestSpec();
    spec.setWorkload("web");
    spec.setTicketHash(LogRequestSpec.hashOf(ticket));
    request.setSpec(spec);
    client.resource(request).create();
    return ticket;
  }

  private static CompletableFuture<HttpResponse<String>> read(
      String replica, String caHash, String request, String ticket) {
    return HttpClient.newBuilder()
        .sslContext(PinnedTrust.context(caHash))
        .build()
        .sendAsync(
            HttpRequest.newBuilder(
                    URI.create(
                        "https://localhost:"
                            + replicas.get(replica).httpsPort()
                            + "/api/v1/logs/requests/"
                            + NS
                            + "/"
                            + request))
                .header("Authorization", "Bearer " + ticket)
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  /** The agent's long polls from {@code version} until one asks it for output. */
  private static List<LogFetch> awaitFetches(
      CoordinationClient api, String credential, String version) {
    String at = version;
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    try {
      while (System.nanoTime() < deadline) {
        NetMap map = api.netmap(credential, "a", at).orElse(null);
        if (map != null && map.logFetches() != null) {
          return map.logFetches();
        }
        if (map != null) {
          at = map.version();
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    throw new AssertionError("no log fetch in 30 s");
  }

  private static CoordinationClient clientOf(String replica, String caHash) {
    return new CoordinationClient("https://localhost:" + replicas.get(replica).httpsPort(), caHash);
  }

  private static List<String> labelled(KubernetesClient client, String label, String value) {
    return client.pods().inNamespace(NS).withLabel(label, value).list().getItems().stream()
        .map(Pod::getMetadata)
        .map(m -> m.getName())
        .sorted()
        .toList();
  }

  private static boolean ready(KubernetesClient client, String name) {
    Peer peer = client.resources(Peer.class).inNamespace(NS).withName(name).get();
    return peer != null
        && peer.getStatus() != null
        && peer.getStatus().getConditions() != null
        && peer.getStatus().getConditions().stream()
            .anyMatch((Condition c) -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }

  /** MeshReady says what the agent's report showed, not that the leader has none. */
  private static boolean reportedToLeader(KubernetesClient client, String name) {
    Peer peer = client.resources(Peer.class).inNamespace(NS).withName(name).get();
    return peer.getStatus().getConditions().stream()
        .anyMatch(c -> c.getType().equals("MeshReady") && !c.getReason().equals("NoAgentData"));
  }

  private static HttpResponse<String> forwardedAgain(
      String replica, String caHash, String credential) throws Exception {
    HttpClient http =
        HttpClient.newBuilder()
            .sslContext(PinnedTrust.context(caHash))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    return http.send(
        HttpRequest.newBuilder(
                URI.create(
                    "https://localhost:" + replicas.get(replica).httpsPort() + "/api/v1/status"))
            .header("Authorization", "Bearer " + credential)
            .header("Content-Type", "application/json")
            .header("Meshfed-Forwarded-By", "another-replica")
            .POST(HttpRequest.BodyPublishers.ofString("{\"peer\":\"a\"}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
