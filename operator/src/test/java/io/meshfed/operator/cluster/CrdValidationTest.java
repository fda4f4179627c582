package io.meshfed.operator.cluster;

import static io.meshfed.operator.testing.TestObjects.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.operator.testing.KubeApiServerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The CRDs as the real API server enforces them: defaults, validation rules, immutability. */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
class CrdValidationTest {
  static KubernetesClient client;
  static String ns;

  @BeforeAll
  static void setUp() {
    client = KubeApiServerResource.client();
    ns = freshNamespace(client, "validation");
  }

  @AfterAll
  static void tearDown() {
    client.close();
  }

  @Test
  void everyKindIsServed() {
    for (String crd : new String[] {"meshclusters", "peers", "peerpools", "workloads"}) {
      var found =
          client
              .apiextensions()
              .v1()
              .customResourceDefinitions()
              .withName(crd + ".meshfed.io")
              .get();
      assertThat(found).as(crd).isNotNull();
      assertThat(found.getStatus().getAcceptedNames().getShortNames()).isNotEmpty();
    }
  }

  @Test
  void theServerFillsInDefaults() {
    MeshCluster created = client.resource(cluster(ns, "defaults", null, null)).create();
    var network = created.getSpec().getNetwork();
    assertThat(network.getCidr()).isEqualTo("100.64.0.0/16");
    assertThat(network.getPeerSubnetPrefix()).isEqualTo(24);
    assertThat(network.getListenPort()).isEqualTo(51820);
    assertThat(network.getMtu()).isEqualTo(1420);
    assertThat(network.getPersistentKeepalive()).isEqualTo(25);
    assertThat(created.getSpec().getDomain()).isEqualTo("mesh.internal");
    assertThat(created.getSpec().getJoinToken().getTtl()).isEqualTo("24h");

    Peer peer =
        client.resource(peer(ns, "defaults-peer", "defaults", ProviderType.STATIC)).create();
    assertThat(peer.getSpec().getRoles()).extracting(Object::toString).containsExactly("worker");
    assertThat(peer.getSpec().getUnschedulable()).isFalse();
  }

  @Test
  void aBadCidrIsRejectedWithAUsefulMessage() {
    assertRejected(cluster(ns, "bad-cidr", "100.64.0.0/33", null), "cidr must be an IPv4 network");
    assertRejected(cluster(ns, "host-bits", "100.64.0.1/16", null), "no host bits set");
    assertRejected(cluster(ns, "not-an-ip", "mesh", null), "cidr must be an IPv4 network");
    assertRejected(cluster(ns, "v6", "fd00::/64", null), "cidr must be an IPv4 network");
  }

  @Test
  void peerSubnetsMustFitInTheCidr() {
    assertRejected(
        cluster(ns, "too-big", "100.64.0.0/24", 24),
        "peerSubnetPrefix must be longer than the prefix of cidr");
    assertRejected(cluster(ns, "tiny", "100.64.0.0/16", 31), "spec.network.peerSubnetPrefix");
  }

  @Test
  void theNetworkIsImmutable() {
    client.resource(cluster(ns, "immutable", "100.72.0.0/16", null)).create();
    // a merge patch, as kubectl would send: no resourceVersion to race with the operator's
    // finalizer
    assertThatThrownBy(
            () ->
                client
                    .resources(MeshCluster.class)
                    .inNamespace(ns)
                    .withName("immutable")
                    .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"spec\":{\"network\":{\"cidr\":\"100.73.0.0/16\"}}}"))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("cidr is immutable");
  }

  @Test
  void anUnknownProviderIsRejected() {
    GenericKubernetesResource peer =
        generic(
            "Peer",
            "unknown-provider",
            "{\"clusterRef\":{\"name\":\"x\"},\"provider\":\"openstack\"}");
    assertThatThrownBy(() -> client.resource(peer).create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("spec.provider")
        .hasMessageContaining("Unsupported value: \"openstack\"");
  }

  @Test
  void requiredFieldsAreRequired() {
    assertThatThrownBy(
            () ->
                client
                    .resource(generic("Peer", "no-cluster", "{\"provider\":\"static\"}"))
                    .create())
        .hasMessageContaining("spec.clusterRef: Required value");
    assertThatThrownBy(() -> client.resource(generic("Peer", "no-spec", null)).create())
        .hasMessageContaining("spec is required");
  }

  @Test
  void minReplicasMayNotExceedMaxReplicas() {
    GenericKubernetesResource pool =
        generic(
            "PeerPool",
            "min-over-max",
            "{\"clusterRef\":{\"name\":\"x\"},\"provider\":\"aws\",\"instanceType\":\"t3.small\","
                + "\"autoscaling\":{\"minReplicas\":5,\"maxReplicas\":2}}");
    assertThatThrownBy(() -> client.resource(pool).create())
        .hasMessageContaining("minReplicas must not be greater than maxReplicas");
  }

  @Test
  void aStaticPoolAndANegativeReplicaCountAreRejected() {
    assertThatThrownBy(
            () ->
                client
                    .resource(
                        generic(
                            "PeerPool",
                            "static-pool",
                            "{\"clusterRef\":{\"name\":\"x\"},\"provider\":\"static\"}"))
                    .create())
        .hasMessageContaining("provider static means hosts you bring");
    assertThatThrownBy(
            () ->
                client
                    .resource(
                        generic(
                            "Workload",
                            "negative",
                            "{\"clusterRef\":{\"name\":\"x\"},\"replicas\":-1,\"image\":\"nginx\"}"))
                    .create())
        .hasMessageContaining("spec.replicas");
  }

  @Test
  void aWorkloadNeedsAnImageOrACommand() {
    assertThatThrownBy(
            () ->
                client
                    .resource(
                        generic("Workload", "nothing-to-run", "{\"clusterRef\":{\"name\":\"x\"}}"))
                    .create())
        .hasMessageContaining("set image (a container) or command (a process)");
  }

  @Test
  void anImageThatLooksLikeARuntimeOptionIsRejected() {
    for (String image : new String[] {"--volume=/:/host", "nginx --privileged", "-v"}) {
      assertThatThrownBy(
              () ->
                  client
                      .resource(
                          generic(
                              "Workload",
                              "hostile",
                              "{\"clusterRef\":{\"name\":\"x\"},\"image\":\"" + image + "\"}"))
                      .create())
          .as(image)
          .hasMessageContaining("spec.image");
    }
    var ok =
        client
            .resource(
                generic(
                    "Workload",
                    "registry-image",
                    "{\"clusterRef\":{\"name\":\"x\"},\"image\":\"198.19.0.1:5000/apps/web:1.0\"}"))
            .create();
    client.resource(ok).delete();
  }

  @Test
  void theClusterOfAPeerCannotChange() {
    client.resource(peer(ns, "moving", "one", ProviderType.STATIC)).create();
    assertThatThrownBy(
            () ->
                client
                    .resources(Peer.class)
                    .inNamespace(ns)
                    .withName("moving")
                    .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"spec\":{\"clusterRef\":{\"name\":\"two\"}}}"))
        .hasMessageContaining("clusterRef is immutable");
  }

  private static void assertRejected(MeshCluster cluster, String message) {
    assertThatThrownBy(() -> client.resource(cluster).create())
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422))
        .hasMessageContaining(message);
  }

  private static GenericKubernetesResource generic(String kind, String name, String specJson) {
    String json =
        "{\"apiVersion\":\"meshfed.io/v1alpha1\",\"kind\":\""
            + kind
            + "\",\"metadata\":{\"name\":\""
            + name
            + "\",\"namespace\":\""
            + ns
            + "\"}"
            + (specJson == null ? "" : ",\"spec\":" + specJson)
            + "}";
    return client.getKubernetesSerialization().unmarshal(json, GenericKubernetesResource.class);
  }
}
