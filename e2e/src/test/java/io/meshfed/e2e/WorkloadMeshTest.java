package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.meshfed.agent.CoordinationClient;
import io.meshfed.api.agent.AgentFacts;
import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.JoinResponse;
import io.meshfed.api.agent.KeyProof;
import io.meshfed.api.agent.StatusReport;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.LogRequest;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.Placement;
import io.meshfed.api.v1alpha1.ReplicaPlacement;
import io.meshfed.api.v1alpha1.ResourceAmounts;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.api.v1alpha1.WorkloadPort;
import io.meshfed.api.v1alpha1.WorkloadResources;
import io.meshfed.api.v1alpha1.WorkloadSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Workloads on a live mesh: a server on one local peer, a client on another that fetches it by name
 * across WireGuard; the server's peer is deleted and the client reaches it again, moved, by the
 * same name; a workload too big for every peer waits until a bigger peer joins.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WorkloadMeshTest {
  static final String NS = LocalMeshFixture.NS;

  /** Prints "ok <address it resolved> <HTTP status>" once a second, or "fail <why>". */
  static final String CLIENT =
      String.join(
          "\n",
          "import socket, time, urllib.request",
          "while True:",
          "    try:",
          "        address = socket.gethostbyname('server.mesh.internal')",
          "        status = urllib.request.urlopen('http://server.mesh.internal:8080/', timeout=3).status",
          "        print('ok', address, status, flush=True)",
          "    except Exception as e:",
          "        print('fail', e, flush=True)",
          "    time.sleep(1)");

  static LocalMeshFixture mesh;

  @BeforeAll
  static void start() throws Exception {
    mesh = LocalMeshFixture.start(Path.of("target/e2e/workloads"));
    mesh.createCluster(
        "apps",
        "100.73.0.0/16",
        Map.of(
            "front",
            Map.of("tier", "front"),
            "back-1",
            Map.of("tier", "back"),
            "back-2",
            Map.of("tier", "back")));
  }

  @AfterAll
  static void stop() {
    if (mesh != null) {
      mesh.close();
    }
  }

  @Test
  @Order(1)
  void aClientFetchesTheServerByNameAcrossTheMeshAndFollowsItWhenItMoves() throws Exception {
    mesh.client
        .resource(
            workload(
                "server", List.of("python3", "-m", "http.server", "8080"), "tier", "back", 8080))
        .inNamespace(NS)
        .create();
    mesh.client
        .resource(workload("client", List.of("python3", "-c", CLIENT), "tier", "front", null))
        .inNamespace(NS)
        .create();

    String serverPeer = awaitRunning("server");
    assertThat(serverPeer).startsWith("back-");
    assertThat(awaitRunning("client")).isEqualTo("front");
    Path clientOutput = mesh.agentState("front").resolve("replicas/client-0/output.log");
    String first = mesh.meshAddress(serverPeer);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> assertThat(Files.readString(clientOutput)).contains("ok " + first + " 200"));

    // the server's peer goes: the server moves to the other back peer, the client follows the name
    mesh.client.resources(Peer.class).inNamespace(NS).withName(serverPeer).delete();
    String other = serverPeer.equals("back-1") ? "back-2" : "back-1";
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(() -> assertThat(awaitRunning("server")).isEqualTo(other));
    String moved = mesh.meshAddress(other);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> assertThat(Files.readString(clientOutput)).contains("ok " + moved + " 200"));
  }

  @Test
  @Order(2)
  void aWorkloadBiggerThanEveryPeerWaitsForABiggerPeer() throws Exception {
    Workload big = workload("big", List.of("sleep", "600"), null, null, null);
    big.getSpec().getResources().getRequests().setCpu(new Quantity("64"));
    mesh.client.resource(big).inNamespace(NS).create();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              var scheduled = condition("big", "Scheduled");
              assertThat(scheduled.getStatus()).isEqualTo("False");
              assertThat(scheduled.getReason()).isEqualTo("NoResourcesAvailable");
              assertThat(scheduled.getMessage()).contains("each needs cpu 64");
            });

    // a host with 96 cores joins with the cluster token (an agent speaking the protocol, no data
    // plane)
    String token = AgentApiAccess.joinToken(mesh.client, NS, "apps").orElseThrow();
    CoordinationClient api =
        new CoordinationClient(
            "https://localhost:" + mesh.operator().httpsPort(),
            AgentApiAccess.caHash(mesh.client, "default").orElseThrow());
    String privateKey = KeyProof.newPrivateKey();
    AgentFacts facts = new AgentFacts(96, 512L << 30, "linux", "amd64", "test", "huge");
    JoinResponse joined =
        api.join(
            new JoinRequest(
                token,
                "huge",
                KeyProof.publicKeyOf(privateKey),
                List.of("198.19.250.1:51820"),
                facts),
            privateKey);
    api.status(
        joined.credential(),
        new StatusReport("huge", null, List.of("198.19.250.1:51820"), facts, List.of()));
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              assertThat(mesh.phase("huge")).isEqualTo(PeerPhase.READY);
              assertThat(condition("big", "Scheduled").getStatus()).isEqualTo("True");
              assertThat(placements("big"))
                  .extracting(ReplicaPlacement::getPeer)
                  .containsExactly("huge");
            });
  }

  @Test
  @Order(3)
  void aReplicasOutputIsReadWithKubectlMeshfedLogsAsItIsWritten() throws Exception {
    mesh.client
        .resource(
            workload(
                "talker",
                List.of("sh", "-c", "echo first; echo second; echo third; sleep 600"),
                "tier",
                "back",
                null))
        .inNamespace(NS)
        .create();
    String peer = awaitRunning("talker");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              var all = mesh.plugin("logs", "talker");
              assertThat(all.output()).isEqualTo("first\nsecond\nthird\n");
              assertThat(all.exit()).isZero();
            });
    var tail = mesh.plugin("logs", "talker", "--tail", "2");
    assertThat(tail.output()).isEqualTo("second\nthird\n");
    var previous = mesh.plugin("logs", "talker", "--previous");
    assertThat(previous.exit()).isNotZero();
    assertThat(previous.output())
        .contains("peer " + peer + ": replica talker-0 has not restarted on this peer")
        .contains("NoPreviousRun");
    var wrongReplica = mesh.plugin("logs", "talker", "--replica", "3");
    assertThat(wrongReplica.exit()).isNotZero();
    assertThat(wrongReplica.output()).contains("no replica 3 placed", "talker-0");
    assertThat(mesh.client.resources(LogRequest.class).inNamespace(NS).list().getItems())
        .as("each command deletes its request")
        .isEmpty();

    // followed: the lines come as the replica writes them, until the reader stops
    mesh.client
        .resource(
            workload(
                "ticker",
                List.of(
                    "sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.5; done"),
                "tier",
                "back",
                null))
        .inNamespace(NS)
        .create();
    awaitRunning("ticker");
    Process follow =
        new ProcessBuilder(
                mesh.pluginCommand(mesh.plane.kubeconfig(), "logs", "ticker", "-f", "--tail", "1"))
            .redirectErrorStream(true)
            .start();
    try (var lines =
        new BufferedReader(
            new InputStreamReader(follow.getInputStream(), StandardCharsets.UTF_8))) {
      var seen = new ArrayList<Integer>();
      var reading =
          CompletableFuture.runAsync(
              () -> {
                try {
                  String line;
                  while (seen.size() < 6 && (line = lines.readLine()) != null) {
                    assertThat(line).startsWith("tick ");
                    seen.add(Integer.parseInt(line.substring(5)));
                  }
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
      reading.get(30, TimeUnit.SECONDS);
      assertThat(seen).as("one kept line, then each new one in order").hasSize(6);
      for (int i = 1; i < seen.size(); i++) {
        assertThat(seen.get(i)).isEqualTo(seen.get(0) + i);
      }
    } finally {
      follow.destroy(); // as Ctrl-C: its request goes with it
      follow.waitFor(30, TimeUnit.SECONDS);
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                mesh.client
                    .resources(LogRequest.class)
                    .inNamespace(NS)
                    .list()
                    .getItems()
                    .isEmpty());
  }

  @Test
  @Order(4)
  void theRunBeforeARestartIsThePreviousOutputAndOnlyUsersWhoMayCreateLogRequestsReadLogs()
      throws Exception {
    mesh.client
        .resource(
            workload(
                "crasher",
                List.of("sh", "-c", "echo run $(date +%s%N); sleep 1; exit 1"),
                "tier",
                "back",
                null))
        .inNamespace(NS)
        .create();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                placements("crasher").size() == 1
                    && placements("crasher").get(0).getRestarts() != null
                    && placements("crasher").get(0).getRestarts() >= 2);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              var previous = mesh.plugin("logs", "crasher", "--previous");
              assertThat(previous.exit()).as(previous.output()).isZero();
              assertThat(previous.output()).matches("run \\d+\n");
            });

    // a user who may read workloads but not create LogRequests reads no logs
    mesh.client
        .resource(
            new ServiceAccountBuilder().withNewMetadata().withName("viewer").endMetadata().build())
        .inNamespace(NS)
        .create();
    mesh.client
        .resource(
            new RoleBuilder()
                .withNewMetadata()
                .withName("meshfed-viewer")
                .endMetadata()
                .addNewRule()
                .withApiGroups("meshfed.io")
                .withResources("workloads", "meshclusters", "logrequests")
                .withVerbs("get", "list", "watch")
                .endRule()
                .build())
        .inNamespace(NS)
        .create();
    mesh.client
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName("meshfed-viewer")
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", "meshfed-viewer")
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName("viewer")
                .withNamespace(NS)
                .endSubject()
                .build())
        .inNamespace(NS)
        .create();
    Path viewer = Files.createTempFile("viewer", ".kubeconfig");
    try {
      Files.writeString(viewer, mesh.plane.kubeconfigOf(NS, "viewer"));
      var refused = mesh.pluginAs(viewer, "logs", "crasher");
      assertThat(refused.exit()).isNotZero();
      assertThat(refused.output()).contains("forbidden");
    } finally {
      Files.deleteIfExists(viewer);
    }
  }

  /** The peer the workload's one replica runs on, once its agent reports it Running. */
  static String awaitRunning(String workload) {
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(placements(workload))
                    .singleElement()
                    .satisfies(p -> assertThat(p.getState()).isEqualTo("Running")));
    return placements(workload).get(0).getPeer();
  }

  static List<ReplicaPlacement> placements(String workload) {
    Workload w = mesh.client.resources(Workload.class).inNamespace(NS).withName(workload).get();
    return w == null || w.getStatus() == null ? List.of() : w.getStatus().getPlacements();
  }

  static Condition condition(String workload, String type) {
    Workload w = mesh.client.resources(Workload.class).inNamespace(NS).withName(workload).get();
    assertThat(w.getStatus()).isNotNull();
    return w.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals(type))
        .findFirst()
        .orElseThrow();
  }

  static Workload workload(
      String name, List<String> command, String labelKey, String labelValue, Integer port) {
    Workload workload = new Workload();
    workload.getMetadata().setName(name);
    WorkloadSpec spec = new WorkloadSpec();
    spec.setClusterRef(new ClusterReference("apps"));
    spec.setReplicas(1);
    spec.setCommand(command);
    WorkloadResources resources = new WorkloadResources();
    resources.setRequests(new ResourceAmounts(new Quantity("100m"), new Quantity("64Mi")));
    spec.setResources(resources);
    if (labelKey != null) {
      Placement placement = new Placement();
      LabelSelector selector = new LabelSelector();
      selector.setMatchLabels(Map.of(labelKey, labelValue));
      placement.setPeerSelector(selector);
      spec.setPlacement(placement);
    }
    if (port != null) {
      WorkloadPort p = new WorkloadPort();
      p.setPort(port);
      spec.setPorts(List.of(p));
    }
    workload.setSpec(spec);
    return workload;
  }
}
