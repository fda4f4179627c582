package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshClusterSpec;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerSpec;
import io.meshfed.api.v1alpha1.ProviderType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chart in its least-privileged mode (watchNamespace: a Role in one namespace, no cluster-wide
 * read of Secrets), with the operator running under exactly that service account: every cache it
 * keeps watches that namespace alone, and the work gets done.
 */
class ChartRbacNamespacedTest {
  static final Path WORK = Path.of("target/e2e/rbac-namespaced");
  static final String TEAM = "team";
  static ChartOperator chart;
  static ControlPlane plane;
  static OperatorProcess operator;

  @BeforeAll
  static void installAndStart() throws Exception {
    ControlPlane started = ControlPlane.start(WORK, Path.of(System.getProperty("meshfed.crds")));
    started
        .client()
        .resource(new NamespaceBuilder().withNewMetadata().withName(TEAM).endMetadata().build())
        .create();
    chart =
        ChartOperator.start(
            WORK,
            install -> install.set("watchNamespace", TEAM),
            Map.of("quarkus.operator-sdk.namespaces", TEAM),
            "rbac-namespaced-test",
            started);
    plane = chart.plane();
    operator = chart.operator();
  }

  @AfterAll
  static void stop() {
    if (chart != null) {
      chart.close();
    }
  }

  @Test
  void aRoleInOneNamespaceIsEnoughForTheWholeJob() throws Exception {
    var client = plane.client();
    assertThat(client.rbac().clusterRoles().withName("meshfed").get())
        .as("no cluster-wide rights in this mode")
        .isNull();
    MeshCluster cluster = new MeshCluster();
    cluster.setMetadata(new ObjectMetaBuilder().withNamespace(TEAM).withName("mesh").build());
    cluster.setSpec(new MeshClusterSpec());
    client.resource(cluster).create();
    Peer peer = new Peer();
    peer.setMetadata(new ObjectMetaBuilder().withNamespace(TEAM).withName("office").build());
    PeerSpec spec = new PeerSpec();
    spec.setClusterRef(new ClusterReference("mesh"));
    spec.setProvider(ProviderType.STATIC);
    peer.setSpec(spec);
    client.resource(peer).create();
    await()
        .atMost(Duration.ofSeconds(90))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertThat(
                      client.secrets().inNamespace(TEAM).withName("mesh-meshfed-join-token").get())
                  .isNotNull();
              Peer seen = client.resources(Peer.class).inNamespace(TEAM).withName("office").get();
              assertThat(seen.getStatus().getSubnet()).isNotNull();
              MeshCluster status =
                  client.resources(MeshCluster.class).inNamespace(TEAM).withName("mesh").get();
              assertThat(status.getStatus().getPeers().getTotal()).isEqualTo(1);
              assertThat(status.getStatus().getEndpoint()).isNotBlank();
            });
    // no cache of the operator's was refused a cluster-wide list or watch
    assertThat(Files.readString(operator.log()))
        .doesNotContainIgnoringCase("forbidden")
        .doesNotContain("at the cluster scope");
  }
}
