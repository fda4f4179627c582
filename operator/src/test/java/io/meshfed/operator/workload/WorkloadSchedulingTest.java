package io.meshfed.operator.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.agent.CoordinationClient;
import io.meshfed.api.agent.AgentFacts;
import io.meshfed.api.agent.DnsRecord;
import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.JoinResponse;
import io.meshfed.api.agent.NetMap;
import io.meshfed.api.agent.ReplicaProbe;
import io.meshfed.api.agent.ReplicaStatus;
import io.meshfed.api.agent.StatusReport;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.Placement;
import io.meshfed.api.v1alpha1.Probe;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.api.v1alpha1.ReplicaPlacement;
import io.meshfed.api.v1alpha1.ResourceAmounts;
import io.meshfed.api.v1alpha1.SecretKeyReference;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.api.v1alpha1.WorkloadEnvVar;
import io.meshfed.api.v1alpha1.WorkloadPort;
import io.meshfed.api.v1alpha1.WorkloadResources;
import io.meshfed.api.v1alpha1.WorkloadSpec;
import io.meshfed.api.v1alpha1.WorkloadTemplate;
import io.meshfed.operator.testing.KubeApiServerResource;
import io.meshfed.operator.testing.TestAgents;
import io.meshfed.operator.testing.TestObjects;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Workloads against the real API server, with agents spoken to over the agent API: placement and
 * its conditions, replicas in the agents' maps, replica states and names back from the agents, the
 * cluster's allocated resources, and replicas moving off a deleted peer.
 */
@QuarkusTest
@QuarkusTestResource(value = KubeApiServerResource.class, restrictToAnnotatedClass = false)
class WorkloadSchedulingTest {
  private static final long GI = 1L << 30;

  @ConfigProperty(name = "quarkus.http.test-ssl-port")
  int httpsPort;

  private final KubernetesClient client = KubeApiServerResource.client();
  private final Map<String, JoinResponse> agents = new HashMap<>();
  private final Map<String, Integer> seeds = new HashMap<>();
  private String namespace;
  private CoordinationClient api;

  @BeforeEach
  void cluster() {
    namespace = TestObjects.freshNamespace(client, "workload");
    client.resource(TestObjects.cluster(namespace, "mesh", "100.81.0.0/16", 24)).create();
    api = new CoordinationClient("https://localhost:" + httpsPort, TestAgents.caHash(client));
  }

  @Test
  void replicasArePlacedRunOnTheirAgentsAndAreFoundByName() throws Exception {
    join("p1", 1, 2, 4 * GI);
    join("p2", 2, 2, 4 * GI);
    client.resource(workload("web", 2, "500m", "512Mi", true, null)).create();

    // one replica per peer (it has ports), both Pending until their agents say otherwise
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              Workload web = workload("web");
              assertThat(condition(web, "Scheduled").getStatus()).isEqualTo("True");
              assertThat(web.getStatus().getPlacements())
                  .extracting(ReplicaPlacement::getPeer)
                  .containsExactlyInAnyOrder("p1", "p2");
              assertThat(web.getStatus().getPlacements())
                  .extracting(ReplicaPlacement::getState)
                  .containsOnly("Pending");
              assertThat(condition(web, "Available").getReason()).isEqualTo("ReplicasNotRunning");
            });
    String onP1 = replicaOn("web", "p1");

    // the replica reaches p1's agent in its map (within the coalescing window), with what it needs
    // to run
    awaitReplicasInTheMapOf("p1");
    NetMap map = api.netmap(agents.get("p1").credential(), "p1", null).orElseThrow();
    assertThat(map.replicas())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.name()).isEqualTo(onP1);
              assertThat(r.workload()).isEqualTo("web");
              assertThat(r.command()).containsExactly("python3", "-m", "http.server", "8080");
              assertThat(r.env()).containsEntry("GREETING", "hello");
              assertThat(r.ports()).containsExactly(8080);
            });
    assertThat(map.dns()).isEmpty();

    // p1 reports it running: status follows, and its name resolves to p1's mesh address
    String p1Address = agents.get("p1").self().meshAddress();
    report(
        "p1",
        2,
        4 * GI,
        List.of(new ReplicaStatus(onP1, ReplicaStatus.RUNNING, p1Address, 0, null, null)));
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              Workload web = workload("web");
              assertThat(web.getStatus().getReadyReplicas()).isEqualTo(1);
              assertThat(web.getStatus().getPlacements())
                  .filteredOn(p -> p.getPeer().equals("p1"))
                  .singleElement()
                  .satisfies(
                      p -> {
                        assertThat(p.getState()).isEqualTo("Running");
                        assertThat(p.getAddress()).isEqualTo(p1Address);
                      });
            });
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(
                        api.netmap(agents.get("p2").credential(), "p2", null).orElseThrow().dns())
                    .contains(
                        new DnsRecord("web.mesh.internal", List.of(p1Address)),
                        new DnsRecord(onP1 + ".web.mesh.internal", List.of(p1Address))));

    // p2's replica fails: Available says which and why
    String onP2 = replicaOn("web", "p2");
    report(
        "p2",
        2,
        4 * GI,
        List.of(new ReplicaStatus(onP2, ReplicaStatus.FAILED, null, 3, 1, "exit code 1: boom")));
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              Condition available = condition(workload("web"), "Available");
              assertThat(available.getStatus()).isEqualTo("False");
              assertThat(available.getMessage())
                  .isEqualTo(
                      "1 of 2 replicas ready; " + onP2 + " on p2 is Failed (exit code 1: boom)");
            });

    // the cluster's root view: what is placed is allocated
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              MeshCluster cluster =
                  client.resources(MeshCluster.class).inNamespace(namespace).withName("mesh").get();
              assertThat(cluster.getStatus().getAllocated().getCpu().toString()).isEqualTo("1");
              assertThat(cluster.getStatus().getAllocated().getMemory().toString())
                  .isEqualTo("1Gi");
            });

    // p2 goes: its replica moves to the peer that joins, and leaves p2's map
    join("p3", 3, 2, 4 * GI);
    client.resources(Peer.class).inNamespace(namespace).withName("p2").delete();
    awaitPeersOf("web", "p1", "p3");
    assertThat(replicaOn("web", "p1")).as("the running replica stayed").isEqualTo(onP1);

    // the workload goes: its replicas leave the agents' maps (the agents stop them), and its names
    client.resources(Workload.class).inNamespace(namespace).withName("web").delete();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              NetMap after = api.netmap(agents.get("p1").credential(), "p1", null).orElseThrow();
              assertThat(after.replicas()).isEmpty();
              assertThat(after.dns()).isEmpty();
            });
  }

  @Test
  void anEnvironmentFromAMissingSecretHoldsTheReplicasBackUntilTheSecretExists() throws Exception {
    join("s1", 1, 2, 4 * GI);
    Workload app = workload("app", 1, "100m", "64Mi", false, null);
    var fromSecret = new WorkloadEnvVar();
    fromSecret.setName("PASSWORD");
    var ref = new SecretKeyReference();
    ref.setName("app-secrets");
    ref.setKey("password");
    fromSecret.setSecretKeyRef(ref);
    app.getSpec().setEnv(List.of(fromSecret));
    client.resource(app).create();
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              Condition available = condition(workload("app"), "Available");
              assertThat(available.getReason()).isEqualTo("EnvNotResolved");
              assertThat(available.getMessage())
                  .isEqualTo(
                      "env PASSWORD: Secret app-secrets does not exist; replicas start once it does");
              assertThat(condition(workload("app"), "Scheduled").getStatus()).isEqualTo("True");
            });
    assertThat(api.netmap(agents.get("s1").credential(), "s1", null).orElseThrow().replicas())
        .isEmpty();

    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("app-secrets")
                .withNamespace(namespace)
                .endMetadata()
                .addToStringData("password", "s3cret")
                .build())
        .create();
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertThat(
                        api.netmap(agents.get("s1").credential(), "s1", null)
                            .orElseThrow()
                            .replicas())
                    .singleElement()
                    .satisfies(r -> assertThat(r.env()).containsEntry("PASSWORD", "s3cret")));
  }

  @Test
  void pullSecretsReachOnlyThePeersThatRunTheImageMergedAndNeverTheStatus() throws Exception {
    join("i1", 1, 2, 4 * GI);
    join("i2", 2, 2, 4 * GI);
    Workload app = workload("private", 1, "100m", "64Mi", false, null);
    app.getSpec().setImage("registry.example:5000/team/app:1");
    app.getSpec()
        .setImagePullSecrets(
            List.of(new LocalObjectReference("login-a"), new LocalObjectReference("login-b")));
    client.resource(app).create();
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              Condition available = condition(workload("private"), "Available");
              assertThat(available.getReason()).isEqualTo("ImagePullSecretNotResolved");
              assertThat(available.getMessage())
                  .isEqualTo(
                      "imagePullSecrets: Secret login-a does not exist; replicas start once it does");
            });
    // an Opaque Secret is not a registry login
    dockerSecret("login-a", "Opaque", "{\"auths\":{\"a.example\":{\"auth\":\"YTpwYXNzQQ==\"}}}");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(condition(workload("private"), "Available").getMessage())
                    .contains("Secret login-a is not of type kubernetes.io/dockerconfigjson"));
    client.secrets().inNamespace(namespace).withName("login-a").delete();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> client.secrets().inNamespace(namespace).withName("login-a").get() == null);
    dockerSecret(
        "login-a",
        "kubernetes.io/dockerconfigjson",
        "{\"auths\":{\"a.example\":{\"auth\":\"YTpwYXNzQQ==\"}}}");
    dockerSecret(
        "login-b",
        "kubernetes.io/dockerconfigjson",
        "{\"auths\":{\"registry.example:5000\":{\"auth\":\"Yjpwc3NC\"}}}");
    String runsOn =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    workload("private").getStatus().getPlacements().stream()
                        .map(ReplicaPlacement::getPeer)
                        .findFirst()
                        .orElse(null),
                peer -> peer != null);
    String other = runsOn.equals("i1") ? "i2" : "i1";
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(
                        api.netmap(agents.get(runsOn).credential(), runsOn, null)
                            .orElseThrow()
                            .replicas())
                    .singleElement()
                    .satisfies(
                        r ->
                            assertThat(new ObjectMapper().readTree(r.registryAuth()))
                                .isEqualTo(
                                    new ObjectMapper()
                                        .readTree(
                                            "{\"auths\":{\"a.example\":{\"auth\":\"YTpwYXNzQQ==\"},"
                                                + "\"registry.example:5000\":{\"auth\":\"Yjpwc3NC\"}}}"))));
    assertThat(api.netmap(agents.get(other).credential(), other, null).orElseThrow().replicas())
        .isEmpty();
    assertThat(client.getKubernetesSerialization().asJson(workload("private")))
        .doesNotContain("YTpwYXNzQQ")
        .doesNotContain("Yjpwc3NC");
  }

  private void dockerSecret(String name, String type, String json) {
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .endMetadata()
                .withType(type)
                .addToStringData(".dockerconfigjson", json)
                .build())
        .create();
  }

  @Test
  void whatCannotBePlacedSaysWhyAndIsPlacedWhenRoomAppears() throws Exception {
    join("small", 1, 2, 4 * GI);
    client.resource(workload("huge", 1, "8", "1Gi", false, null)).create();
    client.resource(workload("on-aws", 1, "100m", "64Mi", false, ProviderType.AWS)).create();

    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              Condition huge = condition(workload("huge"), "Scheduled");
              assertThat(huge.getStatus()).isEqualTo("False");
              assertThat(huge.getReason()).isEqualTo("NoResourcesAvailable");
              assertThat(huge.getMessage())
                  .isEqualTo(
                      "1 of 1 replicas cannot be placed: each needs cpu 8 and memory 1Gi;"
                          + " the most free of the 1 matching peers is small with cpu 2 and memory 4Gi");
              Condition onAws = condition(workload("on-aws"), "Scheduled");
              assertThat(onAws.getReason()).isEqualTo("NoMatchingPeer");
              assertThat(onAws.getMessage()).contains("provider in [aws]");
            });

    // kubectl describe tells the same story: a Warning with the reason, then a Normal once placed
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertThat(eventsOf("huge"))
                    .anySatisfy(
                        e -> {
                          assertThat(e.getType()).isEqualTo("Warning");
                          assertThat(e.getReason()).isEqualTo("NoResourcesAvailable");
                          assertThat(e.getMessage())
                              .startsWith("Scheduled is False: 1 of 1 replicas cannot be placed");
                          assertThat(e.getInvolvedObject().getKind()).isEqualTo("Workload");
                          assertThat(e.getInvolvedObject().getUid())
                              .isEqualTo(workload("huge").getMetadata().getUid());
                          assertThat(e.getSource().getComponent()).isEqualTo("meshfed-operator");
                        }));

    join("big", 2, 16, 32 * GI);
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              Workload huge = workload("huge");
              assertThat(condition(huge, "Scheduled").getStatus()).isEqualTo("True");
              assertThat(huge.getStatus().getPlacements())
                  .singleElement()
                  .satisfies(p -> assertThat(p.getPeer()).isEqualTo("big"));
            });
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertThat(eventsOf("huge"))
                    .anySatisfy(
                        e -> {
                          assertThat(e.getType()).isEqualTo("Normal");
                          assertThat(e.getMessage()).startsWith("Scheduled is True");
                        }));
    // a condition that did not move makes no new event
    long noMatchingPeer =
        eventsOf("on-aws").stream().filter(e -> "NoMatchingPeer".equals(e.getReason())).count();
    assertThat(noMatchingPeer).isEqualTo(1);
    assertThat(condition(workload("on-aws"), "Scheduled").getReason()).isEqualTo("NoMatchingPeer");
  }

  @Test
  void probesReachTheAgentWithTheirDefaultsAndOnlyReadyReplicasGetTraffic() throws Exception {
    join("p1", 1, 2, 4 * GI);
    Workload web = workload("web", 1, "100m", "64Mi", true, null);
    Probe readiness = Probe.httpGet("/ready", 8080);
    readiness.setPeriodSeconds(2);
    web.getSpec().setReadinessProbe(readiness);
    web.getSpec().setLivenessProbe(Probe.tcpSocket(8080));
    client.resource(web).create();
    awaitReplicasInTheMapOf("p1");
    // the API server filled in what the Workload left out; the agent gets it all
    assertThat(api.netmap(agents.get("p1").credential(), "p1", null).orElseThrow().replicas())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.readinessProbe())
                  .isEqualTo(
                      new ReplicaProbe(
                          new ReplicaProbe.HttpGet("/ready", 8080), null, null, 0, 2, 1, 1, 3));
              assertThat(r.livenessProbe())
                  .isEqualTo(
                      new ReplicaProbe(
                          null, new ReplicaProbe.TcpSocket(8080), null, 0, 10, 1, 1, 3));
            });

    // running, not ready: no name, not available, and the status says what the probe saw
    String replica = replicaOn("web", "p1");
    String address = agents.get("p1").self().meshAddress();
    String why = "readiness probe GET :8080/ready failed 3 times in a row: HTTP 503";
    report(
        "p1",
        2,
        4 * GI,
        List.of(
            new ReplicaStatus(
                replica,
                ReplicaStatus.RUNNING,
                address,
                0,
                null,
                why,
                ReplicaStatus.NOT_READY,
                false)));
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              Workload seen = workload("web");
              assertThat(seen.getStatus().getReadyReplicas()).isZero();
              assertThat(seen.getStatus().getPlacements())
                  .singleElement()
                  .satisfies(
                      p -> {
                        assertThat(p.getState()).isEqualTo("Running");
                        assertThat(p.getReady()).isFalse();
                        assertThat(p.getReason()).isEqualTo("NotReady");
                      });
              assertThat(condition(seen, "Available").getMessage())
                  .isEqualTo(
                      "0 of 1 replicas ready; "
                          + replica
                          + " on p1 is running, not ready ("
                          + why
                          + ")");
            });
    assertThat(api.netmap(agents.get("p1").credential(), "p1", null).orElseThrow().dns()).isEmpty();

    // ready: it gets its names
    report(
        "p1",
        2,
        4 * GI,
        List.of(
            new ReplicaStatus(replica, ReplicaStatus.RUNNING, address, 0, null, null, null, true)));
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertThat(
                        api.netmap(agents.get("p1").credential(), "p1", null).orElseThrow().dns())
                    .contains(new DnsRecord("web.mesh.internal", List.of(address))));
    assertThat(condition(workload("web"), "Available").getStatus()).isEqualTo("True");
  }

  @Test
  void aProbeWithTwoActionsOrALivenessThatNeedsTwoSuccessesIsRejected() {
    Workload twoActions = workload("two", 1, "100m", "64Mi", true, null);
    Probe probe = Probe.tcpSocket(8080);
    probe.setExec(Probe.exec("true").getExec());
    twoActions.getSpec().setReadinessProbe(probe);
    assertThatThrownBy(() -> client.resource(twoActions).create())
        .hasMessageContaining("set exactly one of httpGet, tcpSocket and exec");

    Workload slowLiveness = workload("slow", 1, "100m", "64Mi", true, null);
    Probe liveness = Probe.tcpSocket(8080);
    liveness.setSuccessThreshold(2);
    slowLiveness.getSpec().setLivenessProbe(liveness);
    assertThatThrownBy(() -> client.resource(slowLiveness).create())
        .hasMessageContaining("livenessProbe.successThreshold must be 1");
  }

  @Test
  void aTemplateChangeRollsOutOneReplicaAtATimeAndAStuckRolloutSaysSo() throws Exception {
    join("p1", 1, 4, 8 * GI);
    join("p2", 2, 4, 8 * GI);
    client.resource(workload("roll", 2, "100m", "64Mi", false, null)).create();
    String first = awaitPlaced("roll", 2);
    reportReady("roll");
    awaitCondition("roll", "Progressing", "True", "NewReplicasAvailable");

    // a new command: one replica of the new revision beside the two old ones (25% surge of 2
    // rounds up to 1; 25% unavailable rounds down to 0)
    Workload roll = workload("roll");
    roll.getSpec().setArgs(List.of("--bind", "0.0.0.0"));
    client.resource(roll).update();
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              Workload seen = workload("roll");
              assertThat(seen.getStatus().getUpdateRevision()).isNotEqualTo(first);
              assertThat(seen.getStatus().getPlacements()).hasSize(3);
              assertThat(seen.getStatus().getUpdatedReplicas()).isEqualTo(1);
              assertThat(seen.getStatus().getRevisions())
                  .extracting(WorkloadTemplate.Revision::getName)
                  .containsExactlyInAnyOrder(first, seen.getStatus().getUpdateRevision());
              assertThat(condition(seen, "Progressing").getReason()).isEqualTo("ReplicasUpdating");
              assertThat(condition(seen, "Available").getStatus()).isEqualTo("True");
            });
    // the agents get each replica's own revision: the old ones keep their command
    Map<String, List<String>> argsByReplica = new HashMap<>();
    for (String peer : List.of("p1", "p2")) {
      api.netmap(agents.get(peer).credential(), peer, null)
          .orElseThrow()
          .replicas()
          .forEach(r -> argsByReplica.put(r.name(), r.args() == null ? List.of() : r.args()));
    }
    assertThat(argsByReplica.values())
        .containsExactlyInAnyOrder(List.of(), List.of(), List.of("--bind", "0.0.0.0"));

    // every replica that gets ready lets one old one go, until only new ones run
    for (int step = 0; step < 6 && !rolledOut("roll"); step++) {
      reportReady("roll");
      Thread.sleep(300);
    }
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              reportReady("roll");
              Workload seen = workload("roll");
              assertThat(condition(seen, "Progressing").getReason())
                  .isEqualTo("NewReplicasAvailable");
              assertThat(seen.getStatus().getPlacements())
                  .hasSize(2)
                  .allMatch(p -> seen.getStatus().getUpdateRevision().equals(p.getRevision()));
              assertThat(seen.getStatus().getRevisions()).hasSize(1);
            });

    // a revision whose replicas never get ready: the old ones keep serving, and after the
    // deadline Progressing says so
    Workload broken = workload("roll");
    broken.getSpec().setArgs(List.of("--never-ready"));
    broken.getSpec().setProgressDeadlineSeconds(3);
    client.resource(broken).update();
    Condition stuck = awaitCondition("roll", "Progressing", "False", "ProgressDeadlineExceeded");
    assertThat(stuck.getMessage())
        .contains(
            "no progress for 3s",
            "1 of 2 replicas updated",
            "2 replicas of earlier revisions serve");
    Workload seen = workload("roll");
    assertThat(seen.getStatus().getPlacements()).hasSize(3);
    assertThat(condition(seen, "Available").getStatus()).isEqualTo("True");
  }

  private void awaitReplicasInTheMapOf(String peer) {
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                !api.netmap(agents.get(peer).credential(), peer, null)
                    .orElseThrow()
                    .replicas()
                    .isEmpty());
  }

  @Test
  void aSingleReplicaOnADrainingPeerIsReplacedElsewhereBeforeItGoes() throws Exception {
    join("p1", 1, 4, 8 * GI);
    client.resource(workload("solo", 1, "100m", "64Mi", false, null)).create();
    awaitPlaced("solo", 1);
    reportReady("solo");
    join("p2", 2, 4, 8 * GI);
    client
        .resources(Peer.class)
        .inNamespace(namespace)
        .withName("p1")
        .edit(
            p -> {
              p.getMetadata().getAnnotations().put(MeshfedApi.DRAINING_ANNOTATION, "true");
              return p;
            });
    // the new replica first, on p2; the one on p1 serves until it is ready
    awaitPeersOf("solo", "p1", "p2");
    Thread.sleep(1000);
    assertThat(workload("solo").getStatus().getPlacements()).hasSize(2);
    reportReady("solo");
    awaitPeersOf("solo", "p2");
  }

  /** Waits until the workload's replicas are placed on exactly these peers (in any order). */
  private void awaitPeersOf(String workload, String... peers) {
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(workload(workload).getStatus().getPlacements())
                    .extracting(ReplicaPlacement::getPeer)
                    .containsExactlyInAnyOrder(peers));
  }

  /** Every placed replica reported Running and ready by its peer's agent. */
  private void reportReady(String workload) throws Exception {
    Map<String, List<ReplicaStatus>> byPeer = new HashMap<>();
    for (ReplicaPlacement p : workload(workload).getStatus().getPlacements()) {
      byPeer
          .computeIfAbsent(p.getPeer(), k -> new java.util.ArrayList<>())
          .add(
              new ReplicaStatus(
                  p.getReplica(),
                  ReplicaStatus.RUNNING,
                  agents.get(p.getPeer()).self().meshAddress(),
                  0,
                  null,
                  null,
                  null,
                  !p.getRevision().equals(neverReady(workload))));
    }
    for (var entry : byPeer.entrySet()) {
      report(entry.getKey(), 4, 8 * GI, entry.getValue());
    }
  }

  /** The revision whose replicas never get ready: one with args --never-ready. */
  private String neverReady(String workload) {
    Workload w = workload(workload);
    return w.getSpec().getArgs() != null && w.getSpec().getArgs().contains("--never-ready")
        ? w.getStatus().getUpdateRevision()
        : "";
  }

  private boolean rolledOut(String workload) {
    Workload w = workload(workload);
    return w.getStatus().getPlacements().stream()
        .allMatch(p -> w.getStatus().getUpdateRevision().equals(p.getRevision()));
  }

  /** Waits until the workload has this many placements, all of one revision; returns it. */
  private String awaitPlaced(String workload, int count) {
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertThat(workload(workload).getStatus().getPlacements())
                    .hasSize(count)
                    .allMatch(p -> p.getPeer() != null));
    return workload(workload).getStatus().getUpdateRevision();
  }

  private Condition awaitCondition(String workload, String type, String status, String reason) {
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              Condition c = condition(workload(workload), type);
              assertThat(c.getStatus()).as(c.getMessage()).isEqualTo(status);
              assertThat(c.getReason()).as(c.getMessage()).isEqualTo(reason);
            });
    return condition(workload(workload), type);
  }

  private List<Event> eventsOf(String workload) {
    return client.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(
            e ->
                workload.equals(e.getInvolvedObject().getName())
                    && "Workload".equals(e.getInvolvedObject().getKind()))
        .toList();
  }

  private void join(String name, int seed, int cpus, long memory) throws Exception {
    JoinResponse joined =
        TestAgents.join(
            api,
            new JoinRequest(
                TestAgents.clusterToken(client, namespace, "mesh"),
                name,
                TestAgents.key(seed),
                List.of("198.18.0." + seed + ":51820"),
                TestAgents.facts(cpus, memory)));
    agents.put(name, joined);
    seeds.put(name, seed);
    report(name, cpus, memory, List.of());
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              Peer peer = client.resources(Peer.class).inNamespace(namespace).withName(name).get();
              assertThat(peer.getStatus().getPhase()).isEqualTo(PeerPhase.READY);
              assertThat(peer.getStatus().getAllocatable()).isNotNull();
            });
  }

  private void report(String peer, int cpus, long memory, List<ReplicaStatus> replicas)
      throws Exception {
    AgentFacts facts = TestAgents.facts(cpus, memory);
    JoinResponse joined = agents.get(peer);
    String endpoint = "198.18.0." + seeds.get(peer) + ":51820";
    api.status(
        joined.credential(),
        new StatusReport(peer, null, List.of(endpoint), facts, List.of(), replicas));
  }

  private Workload workload(
      String name, int replicas, String cpu, String memory, boolean withPort, ProviderType onlyOn) {
    Workload workload = new Workload();
    workload.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
    WorkloadSpec spec = new WorkloadSpec();
    spec.setClusterRef(new ClusterReference("mesh"));
    spec.setReplicas(replicas);
    spec.setCommand(List.of("python3", "-m", "http.server", "8080"));
    var env = new WorkloadEnvVar();
    env.setName("GREETING");
    env.setValue("hello");
    spec.setEnv(List.of(env));
    if (withPort) {
      WorkloadPort port = new WorkloadPort();
      port.setPort(8080);
      spec.setPorts(List.of(port));
    }
    WorkloadResources resources = new WorkloadResources();
    resources.setRequests(new ResourceAmounts(new Quantity(cpu), new Quantity(memory)));
    spec.setResources(resources);
    if (onlyOn != null) {
      Placement placement = new Placement();
      placement.setProviders(List.of(onlyOn));
      spec.setPlacement(placement);
    }
    workload.setSpec(spec);
    return workload;
  }

  private Workload workload(String name) {
    return client.resources(Workload.class).inNamespace(namespace).withName(name).get();
  }

  private String replicaOn(String workload, String peer) {
    return workload(workload).getStatus().getPlacements().stream()
        .filter(p -> p.getPeer().equals(peer))
        .map(ReplicaPlacement::getReplica)
        .findFirst()
        .orElseThrow();
  }

  private static Condition condition(Workload workload, String type) {
    Optional<Condition> found =
        workload.getStatus() == null
            ? Optional.empty()
            : workload.getStatus().getConditions().stream()
                .filter(c -> c.getType().equals(type))
                .findFirst();
    assertThat(found).as("condition %s of %s", type, workload.getMetadata().getName()).isPresent();
    return found.get();
  }
}
