package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshClusterSpec;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerSpec;
import io.meshfed.api.v1alpha1.ProviderType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chart's RBAC is what the operator needs: the operator, running as the chart's ServiceAccount
 * (a token from the real API server), reconciles; with one rule taken from its ClusterRole, the
 * work that rule allows stops.
 */
class ChartRbacTest {
  static final Path WORK = Path.of("target/e2e/rbac");
  static ChartOperator chart;
  static ControlPlane plane;
  static OperatorProcess operator;

  @BeforeAll
  static void installAndStart() throws Exception {
    chart =
        ChartOperator.start(
            WORK,
            install -> install.set("watchAllNamespaces", true),
            Map.of(),
            "rbac-test",
            ControlPlane.start(WORK, Path.of(System.getProperty("meshfed.crds"))));
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
  void theChartsServiceAccountCanDoTheWorkAndLosesExactlyWhatARuleAllowed() throws Exception {
    var client = plane.client();
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName("team").endMetadata().build())
        .create();
    client.resource(cluster("mesh")).create();
    client.resource(staticPeer("office", "mesh")).create();
    // the join token (Secrets), the address (the IPAM ConfigMap), status on both kinds
    await()
        .atMost(Duration.ofSeconds(90))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertThat(
                      client
                          .secrets()
                          .inNamespace("team")
                          .withName("mesh-meshfed-join-token")
                          .get())
                  .isNotNull();
              Peer peer = client.resources(Peer.class).inNamespace("team").withName("office").get();
              assertThat(peer.getStatus()).isNotNull();
              assertThat(peer.getStatus().getSubnet()).isNotNull();
              assertThat(
                      client
                          .resources(MeshCluster.class)
                          .inNamespace("team")
                          .withName("mesh")
                          .get()
                          .getStatus()
                          .getPeers()
                          .getTotal())
                  .isEqualTo(1);
            });
    // and Events on the peer's transitions (the rule for events)
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(client.v1().events().inNamespace("team").list().getItems())
                    .anySatisfy(
                        event -> {
                          assertThat(event.getInvolvedObject().getName()).isEqualTo("office");
                          assertThat(event.getInvolvedObject().getKind()).isEqualTo("Peer");
                          assertThat(event.getSource().getComponent())
                              .isEqualTo("meshfed-operator");
                        }));
    assertThat(Files.readString(operator.log())).doesNotContain("could not record event");

    // without ConfigMaps, no peer gets an address any more
    ClusterRole role = client.rbac().clusterRoles().withName("meshfed").get();
    List<PolicyRule> rules = new ArrayList<>();
    for (PolicyRule rule : role.getRules()) {
      if (rule.getResources().contains("configmaps")) {
        rule.setResources(
            rule.getResources().stream().filter(r -> !r.equals("configmaps")).toList());
      }
      rules.add(rule);
    }
    role.setRules(rules);
    client.rbac().clusterRoles().resource(role).update();
    client.resource(staticPeer("warehouse", "mesh")).create();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(Files.readString(operator.log()))
                    .containsIgnoringCase("forbidden")
                    .contains("configmaps"));
    assertThat(
            client.resources(Peer.class).inNamespace("team").withName("warehouse").get().getStatus()
                    == null
                || client
                        .resources(Peer.class)
                        .inNamespace("team")
                        .withName("warehouse")
                        .get()
                        .getStatus()
                        .getSubnet()
                    == null)
        .as("no address without the IPAM table")
        .isTrue();
  }

  private static MeshCluster cluster(String name) {
    MeshCluster cluster = new MeshCluster();
    cluster.setMetadata(new ObjectMetaBuilder().withNamespace("team").withName(name).build());
    cluster.setSpec(new MeshClusterSpec());
    return cluster;
  }

  private static Peer staticPeer(String name, String cluster) {
    Peer peer = new Peer();
    peer.setMetadata(new ObjectMetaBuilder().withNamespace("team").withName(name).build());
    PeerSpec spec = new PeerSpec();
    spec.setClusterRef(new ClusterReference(cluster));
    spec.setProvider(ProviderType.STATIC);
    peer.setSpec(spec);
    return peer;
  }
}
