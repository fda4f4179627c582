package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.agent.CoordinationClient;
import io.meshfed.api.agent.NetMap;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshClusterSpec;
import io.meshfed.api.v1alpha1.Peer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The agent API through a failover: two operator replicas (the built jar, prod profile, leader
 * election on) behind the agent API Service as Kubernetes routes it (the pod labelled serving; DNAT
 * on loopback, {@link LoopbackService}). Agents — the agent's own client — join and hold their
 * maps; the leader is killed. The standby takes over, the Service sends the agents to it, and their
 * maps keep moving: an agent's version from the killed replica gets a delta, not the full map
 * (decision 0025), and a peer that joins afterwards reaches them as a delta too.
 */
class AgentApiFailoverTest {
  static final String NS = "agent-failover";
  static final List<String> REPLICAS = List.of("replica-a", "replica-b");
  static final Path work = Path.of("target/e2e/agent-failover");

  static ControlPlane plane;
  static final Map<String, OperatorProcess> replicas = new LinkedHashMap<>();
  static LoopbackService service;
  static ServingEndpoints endpoints;

  @BeforeAll
  static void start() throws Exception {
    plane = ControlPlane.start(work, Path.of(System.getProperty("meshfed.crds")));
    KubernetesClient client = plane.client();
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .create();
    for (String identity : REPLICAS) {
      replicas.put(
          identity,
          OperatorReplicas.start(
              client,
              Path.of(System.getProperty("meshfed.operator.jar")),
              plane.kubeconfig(),
              work.resolve(identity + ".log"),
              NS,
              identity,
              // short lease, so that the test does not wait long for the failover
              Map.of("meshfed.leader-election.lease-duration", "6s")));
    }
    service = LoopbackService.create("e2efailover", OperatorProcess.freePort());
    endpoints = new ServingEndpoints(client, NS, service, replicas);
    endpoints.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (endpoints != null) {
      endpoints.close();
    }
    if (service != null) {
      service.close();
    }
    for (OperatorProcess replica : replicas.values()) {
      replica.close();
    }
    if (plane != null) {
      plane.close();
    }
  }

  @Test
  void afterTheLeaderIsKilledTheAgentsMapsMoveOnAsDeltas() throws Exception {
    KubernetesClient client = plane.client();
    client.resource(cluster(NS)).create();
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
    await().atMost(Duration.ofSeconds(60)).until(() -> !service.endpoints().isEmpty());
    CoordinationClient api = new CoordinationClient("https://localhost:" + service.port(), caHash);

    Map<String, String> credentials = new LinkedHashMap<>();
    for (String name : List.of("a", "b", "c")) {
      credentials.put(name, TestAgents.joinAndReport(api, token, name, 1 + credentials.size()));
    }
    // the reconciler has written what the joins told (the maps' entries come from status now)
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                client.resources(Peer.class).inNamespace(NS).list().getItems().stream()
                        .filter(p -> p.getStatus() != null && p.getStatus().getSubnet() != null)
                        .count()
                    == 3);
    Thread.sleep(2_000); // a status write's look-again settles (decision 0024)
    Map<String, NetMap> held = new LinkedHashMap<>();
    for (String name : credentials.keySet()) {
      NetMap full = api.netmap(credentials.get(name), name, null).orElseThrow();
      assertThat(full.full()).isTrue();
      assertThat(TestAgents.names(full)).hasSize(2);
      held.put(name, full);
    }

    String leader = endpoints.holder();
    assertThat(leader).isIn(REPLICAS);
    long killedAt = System.nanoTime();
    replicas.get(leader).kill();
    String standby = REPLICAS.stream().filter(r -> !r.equals(leader)).findFirst().orElseThrow();
    assertThat(endpoints.routedAwayFrom(replicas.get(leader).httpsPort(), killedAt))
        .as("the Service sends agents to another replica")
        .isNotNegative();
    assertThat(endpoints.holder()).isEqualTo(standby);

    // an agent of the killed replica asks with that replica's version: a delta, nothing new
    NetMap answered =
        await()
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(() -> api.netmap(credentials.get("a"), "a", held.get("a").version()), o -> true)
            .orElseThrow();
    assertThat(answered.full()).as("the same members on the new leader: no full map").isFalse();
    assertThat(answered.peers()).isEmpty();
    assertThat(answered.self()).as("its own configuration, as the new leader has it").isNotNull();
    assertThat(answered.version()).isNotEqualTo(held.get("a").version());

    // a peer joins through the new leader: the others get just it
    credentials.put("d", TestAgents.joinAndReport(api, token, "d", 4));
    NetMap forB = api.netmap(credentials.get("b"), "b", held.get("b").version()).orElseThrow();
    assertThat(forB.full()).isFalse();
    assertThat(TestAgents.names(forB)).containsExactly("d");
    NetMap forA = api.netmap(credentials.get("a"), "a", answered.version()).orElseThrow();
    assertThat(forA.full()).isFalse();
    assertThat(TestAgents.names(forA)).containsExactly("d");

    assertThat(client.pods().inNamespace(NS).withName(leader).get().getMetadata().getLabels())
        .containsEntry("meshfed.io/agent-api", "standby");
  }

  static MeshCluster cluster(String namespace) {
    MeshCluster cluster = new MeshCluster();
    cluster.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName("mesh").build());
    cluster.setSpec(new MeshClusterSpec());
    return cluster;
  }
}
