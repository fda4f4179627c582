package io.meshfed.operator.cluster;

import static io.meshfed.operator.testing.TestObjects.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.api.v1alpha1.CloudProviderSpec;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.api.v1alpha1.ProvidersSpec;
import io.meshfed.api.v1alpha1.SecretReference;
import io.meshfed.operator.coordinator.ClusterCoordinators;
import io.meshfed.operator.ipam.SubnetAllocator;
import io.meshfed.operator.netmap.NetMapPublisher;
import io.meshfed.operator.support.Conditions;
import io.meshfed.operator.testing.KubeApiServerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The reconcilers against a real API server: statuses, join token, teardown, recovery. */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
class MeshClusterLifecycleTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  @Inject ClusterCoordinators coordinators;
  @Inject NetMapPublisher maps;
  KubernetesClient client;
  String ns;

  @BeforeEach
  void setUp() {
    client = KubeApiServerResource.client();
    ns = freshNamespace(client, "lifecycle");
  }

  @AfterEach
  void tearDown() {
    client.close();
  }

  @Test
  void aClusterWithStaticPeersReachesTheExpectedStatuses() {
    client.resource(cluster(ns, "alpha", "100.64.0.0/16", 24)).create();
    for (String name : List.of("host-a", "host-b", "host-c")) {
      client.resource(peer(ns, name, "alpha", ProviderType.STATIC)).create();
    }

    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              List<Peer> peers = client.resources(Peer.class).inNamespace(ns).list().getItems();
              assertThat(peers)
                  .hasSize(3)
                  .allSatisfy(
                      p -> {
                        assertThat(p.getStatus()).isNotNull();
                        assertThat(p.getStatus().getPhase()).isEqualTo(PeerPhase.JOINING);
                        assertThat(p.getStatus().getProviderID())
                            .isEqualTo("static:///" + p.getMetadata().getName());
                        assertThat(p.getStatus().getSubnet()).matches("100\\.64\\.[0-2]\\.0/24");
                        assertThat(p.getStatus().getMeshAddress())
                            .isEqualTo(p.getStatus().getSubnet().replace(".0/24", ".1"));
                        assertThat(p.getStatus().getObservedGeneration()).isEqualTo(1L);
                        assertThat(
                                condition(p.getStatus().getConditions(), "Provisioned").getReason())
                            .isEqualTo("NothingToProvision");
                        assertThat(condition(p.getStatus().getConditions(), "Ready").getReason())
                            .isEqualTo("WaitingForAgent");
                        assertThat(condition(p.getStatus().getConditions(), "Joined").getStatus())
                            .isEqualTo("False");
                      });
              assertThat(peers.stream().map(p -> p.getStatus().getSubnet()).distinct()).hasSize(3);
            });

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              MeshCluster cluster =
                  client.resources(MeshCluster.class).inNamespace(ns).withName("alpha").get();
              var status = cluster.getStatus();
              assertThat(status.getObservedGeneration()).isEqualTo(1L);
              assertThat(status.getPeers().getTotal()).isEqualTo(3);
              assertThat(status.getPeers().getJoining()).isEqualTo(3);
              assertThat(status.getPhase()).isEqualTo("Pending");
              Condition ready = condition(status.getConditions(), "Ready");
              assertThat(ready.getStatus()).isEqualTo("False");
              assertThat(ready.getReason()).isEqualTo("PeersNotReady");
              assertThat(ready.getMessage())
                  .contains("0/3 peers ready")
                  .contains("Joining: host-a, host-b, host-c");
              assertThat(condition(status.getConditions(), "CredentialsValid").getReason())
                  .isEqualTo("NoProvidersConfigured");
              assertThat(condition(status.getConditions(), "MeshConnected").getStatus())
                  .isEqualTo("Unknown");
              assertThat(status.getJoinTokenSecret()).isEqualTo("alpha-meshfed-join-token");
              assertThat(status.getJoinTokenExpiresAt()).isNotNull();
            });

    Secret token = client.secrets().inNamespace(ns).withName("alpha-meshfed-join-token").get();
    assertThat(token.getType()).isEqualTo("meshfed.io/join-token");
    assertThat(new String(Base64.getDecoder().decode(token.getData().get("token"))))
        .matches("[0-9a-f]{64}");
    assertThat(token.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> assertThat(o.getKind()).isEqualTo("MeshCluster"));
  }

  @Test
  void deletingAClusterTearsDownEverythingItOwns() {
    client.resource(cluster(ns, "doomed", null, null)).create();
    client.resource(peer(ns, "p1", "doomed", ProviderType.STATIC)).create();
    client.resource(peer(ns, "p2", "doomed", ProviderType.STATIC)).create();
    client.resource(peer(ns, "bystander", "other", ProviderType.STATIC)).create();
    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .until(
            () ->
                client
                            .configMaps()
                            .inNamespace(ns)
                            .withName(SubnetAllocator.configMapName("doomed"))
                            .get()
                        != null
                    && client.resources(Peer.class).inNamespace(ns).withName("p2").get().getStatus()
                        != null
                    && client
                            .resources(Peer.class)
                            .inNamespace(ns)
                            .withName("p2")
                            .get()
                            .getStatus()
                            .getSubnet()
                        != null);
    assertThat(coordinators.has(ns, "doomed")).as("IPAM keeps its table there").isTrue();
    assertThat(maps.has(ns, "doomed")).as("the peers' entries are offered there").isTrue();

    client.resources(MeshCluster.class).inNamespace(ns).withName("doomed").delete();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(
                      client.resources(MeshCluster.class).inNamespace(ns).withName("doomed").get())
                  .isNull();
              assertThat(client.resources(Peer.class).inNamespace(ns).list().getItems())
                  .extracting(p -> p.getMetadata().getName())
                  .containsExactly("bystander");
              assertThat(
                      client
                          .configMaps()
                          .inNamespace(ns)
                          .withName(SubnetAllocator.configMapName("doomed"))
                          .get())
                  .isNull();
              assertThat(
                      client.secrets().inNamespace(ns).withName("doomed-meshfed-join-token").get())
                  .isNull();
              // and this process forgets it: nothing kept per cluster outlives the cluster
              assertThat(coordinators.has(ns, "doomed")).isFalse();
              assertThat(maps.has(ns, "doomed")).isFalse();
            });
    assertThat(coordinators.has(ns, "other")).as("a cluster that never existed").isFalse();
  }

  /**
   * The cluster's deletion wakes every peer (each writes ClusterTerminating) while the cluster
   * deletes them: many peers' deletions land while their own status write is in flight. Each must
   * still be torn down (JOSDK 5.3.0 dropped such an event: decision 0024).
   */
  @Test
  void peersDeletedWhileTheirStatusIsWrittenAreStillTornDown() {
    int peers = 80;
    client.resource(cluster(ns, "busy", null, null)).create();
    for (int i = 0; i < peers; i++) {
      client.resource(peer(ns, "p" + i, "busy", ProviderType.STATIC)).create();
    }
    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .until(
            () ->
                client.resources(Peer.class).inNamespace(ns).list().getItems().stream()
                        .filter(p -> p.getStatus() != null && p.getStatus().getSubnet() != null)
                        .count()
                    == peers);

    client.resources(MeshCluster.class).inNamespace(ns).withName("busy").delete();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(client.resources(Peer.class).inNamespace(ns).list().getItems())
                  .as("peers still there, with their Ready")
                  .extracting(
                      p ->
                          p.getMetadata().getName()
                              + " "
                              + Conditions.find(p.getStatus().getConditions(), "Ready")
                                  .map(Condition::getReason)
                                  .orElse("-"))
                  .isEmpty();
              assertThat(client.resources(MeshCluster.class).inNamespace(ns).withName("busy").get())
                  .isNull();
            });
  }

  @Test
  void aPeerOfAMissingClusterSaysSoAndRecoversWhenTheClusterAppears() {
    client.resource(peer(ns, "early", "late-cluster", ProviderType.STATIC)).create();
    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Peer peer = client.resources(Peer.class).inNamespace(ns).withName("early").get();
              Condition ready = condition(peer.getStatus().getConditions(), "Ready");
              assertThat(ready.getStatus()).isEqualTo("False");
              assertThat(ready.getReason()).isEqualTo("ClusterNotFound");
              assertThat(ready.getMessage()).contains("late-cluster");
              assertThat(peer.getStatus().getSubnet()).isNull();
            });

    client.resource(cluster(ns, "late-cluster", "100.100.0.0/16", 24)).create();
    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Peer peer = client.resources(Peer.class).inNamespace(ns).withName("early").get();
              assertThat(peer.getStatus().getPhase()).isEqualTo(PeerPhase.JOINING);
              assertThat(peer.getStatus().getSubnet()).isEqualTo("100.100.0.0/24");
              assertThat(condition(peer.getStatus().getConditions(), "Ready").getReason())
                  .isEqualTo("WaitingForAgent");
            });
  }

  @Test
  void aFullAddressPoolIsAConditionAndFreedSubnetsAreReusedOnlyAfterThePeerIsGone() {
    // a /29 cut into /30s holds two peers
    client.resource(cluster(ns, "small", "100.64.0.0/29", 30)).create();
    client.resource(peer(ns, "first", "small", ProviderType.STATIC)).create();
    client.resource(peer(ns, "second", "small", ProviderType.STATIC)).create();
    await().atMost(WAIT).until(() -> subnetOf("first") != null && subnetOf("second") != null);
    client.resource(peer(ns, "third", "small", ProviderType.STATIC)).create();

    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Peer third = client.resources(Peer.class).inNamespace(ns).withName("third").get();
              Condition ready = condition(third.getStatus().getConditions(), "Ready");
              assertThat(ready.getReason()).isEqualTo("AddressPoolExhausted");
              assertThat(ready.getMessage())
                  .contains("all 2 /30 subnets of 100.64.0.0/29 are in use");
              assertThat(third.getStatus().getSubnet()).isNull();
            });

    String freed = subnetOf("first");
    client.resources(Peer.class).inNamespace(ns).withName("first").delete();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(() -> assertThat(subnetOf("third")).isEqualTo(freed));
    assertThat(client.resources(Peer.class).inNamespace(ns).withName("first").get()).isNull();
  }

  @Test
  void credentialsValidNamesTheMissingSecretThenWhatTheCloudSaid() throws Exception {
    // an EC2 endpoint on loopback that refuses every key, as EC2 does for unknown ones
    HttpServer ec2 =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    ec2.createContext(
        "/",
        exchange -> {
          byte[] body =
              ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>AuthFailure</Code>"
                      + "<Message>AWS was not able to validate the provided access credentials</Message></Error></Errors>"
                      + "<RequestID>1</RequestID></Response>")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "text/xml");
          exchange.sendResponseHeaders(401, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    ec2.start();
    try {
      MeshCluster cluster = cluster(ns, "clouded", null, null);
      ProvidersSpec providers = new ProvidersSpec();
      CloudProviderSpec aws = new CloudProviderSpec();
      aws.setRegion("eu-west-1");
      aws.setEndpoint("http://127.0.0.1:" + ec2.getAddress().getPort());
      aws.setCredentialsSecretRef(new SecretReference("aws-creds"));
      providers.setAws(aws);
      cluster.getSpec().setProviders(providers);
      client.resource(cluster).create();

      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                Condition c = condition(clusterStatusConditions("clouded"), "CredentialsValid");
                assertThat(c.getStatus()).isEqualTo("False");
                assertThat(c.getReason()).isEqualTo("SecretNotFound");
                assertThat(c.getMessage())
                    .contains("aws: SecretNotFound: Secret aws-creds named in spec.providers.aws");
              });

      client
          .resource(
              new SecretBuilder()
                  .withNewMetadata()
                  .withName("aws-creds")
                  .withNamespace(ns)
                  .endMetadata()
                  .withStringData(Map.of("accessKeyId", "AKIAEXAMPLE", "secretAccessKey", "wrong"))
                  .build())
          .create();
      // nothing watches Secrets the operator does not own: the cluster looks again while one is
      // missing
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                Condition c = condition(clusterStatusConditions("clouded"), "CredentialsValid");
                assertThat(c.getStatus()).isEqualTo("False");
                assertThat(c.getReason()).isEqualTo("InvalidCredentials");
                assertThat(c.getMessage())
                    .contains("aws: InvalidCredentials:")
                    .contains("AuthFailure");
              });
    } finally {
      ec2.stop(0);
    }
  }

  @Test
  void theOperatorNeverChangesWhatUsersWrote() {
    MeshCluster created = client.resource(cluster(ns, "gitops", null, null)).create();
    Peer peer = client.resource(peer(ns, "gitops-peer", "gitops", ProviderType.STATIC)).create();
    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .until(
            () -> {
              MeshCluster c =
                  client.resources(MeshCluster.class).inNamespace(ns).withName("gitops").get();
              return subnetOf("gitops-peer") != null
                  && c.getStatus() != null
                  && c.getStatus().getPeers() != null
                  && c.getStatus().getPeers().getJoining() == 1;
            });

    MeshCluster cluster =
        client.resources(MeshCluster.class).inNamespace(ns).withName("gitops").get();
    Peer after = client.resources(Peer.class).inNamespace(ns).withName("gitops-peer").get();
    assertThat(cluster.getMetadata().getGeneration())
        .isEqualTo(created.getMetadata().getGeneration())
        .isEqualTo(1L);
    assertThat(after.getMetadata().getGeneration())
        .isEqualTo(peer.getMetadata().getGeneration())
        .isEqualTo(1L);
    assertThat(client.getKubernetesSerialization().asJson(after.getSpec()))
        .isEqualTo(client.getKubernetesSerialization().asJson(peer.getSpec()));
    assertThat(cluster.getMetadata().getLabels()).isNullOrEmpty();
    assertThat(after.getMetadata().getAnnotations()).isNullOrEmpty();

    // settled: the operator writes nothing more while nothing changes (status only when it changed)
    String clusterVersion = cluster.getMetadata().getResourceVersion();
    String peerVersion = after.getMetadata().getResourceVersion();
    await()
        .pollDelay(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              assertThat(
                      client
                          .resources(MeshCluster.class)
                          .inNamespace(ns)
                          .withName("gitops")
                          .get()
                          .getMetadata()
                          .getResourceVersion())
                  .isEqualTo(clusterVersion);
              assertThat(
                      client
                          .resources(Peer.class)
                          .inNamespace(ns)
                          .withName("gitops-peer")
                          .get()
                          .getMetadata()
                          .getResourceVersion())
                  .isEqualTo(peerVersion);
            });
  }

  private List<Condition> clusterStatusConditions(String name) {
    MeshCluster cluster = client.resources(MeshCluster.class).inNamespace(ns).withName(name).get();
    return cluster.getStatus() == null ? List.of() : cluster.getStatus().getConditions();
  }

  private String subnetOf(String peer) {
    Peer p = client.resources(Peer.class).inNamespace(ns).withName(peer).get();
    return p == null || p.getStatus() == null ? null : p.getStatus().getSubnet();
  }

  static Condition condition(List<Condition> conditions, String type) {
    return Conditions.find(conditions, type)
        .orElseThrow(() -> new AssertionError("no condition " + type + " in " + conditions));
  }
}
