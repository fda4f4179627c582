package io.meshfed.operator.cloud;

import static io.meshfed.operator.testing.TestObjects.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.api.v1alpha1.CloudProviderSpec;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.api.v1alpha1.ProvidersSpec;
import io.meshfed.api.v1alpha1.SecretReference;
import io.meshfed.fakes.FakeCloud;
import io.meshfed.fakes.FakeDigitalOcean;
import io.meshfed.operator.support.Conditions;
import io.meshfed.operator.testing.KubeApiServerResource;
import io.meshfed.operator.testing.TestObjects;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deleting a cloud cluster as GitOps and {@code kubectl delete -f dir/} do: the cluster and its
 * credentials Secret at once. The cluster still needs the credentials to delete its machines, and
 * says what its deletion waits for while the cloud refuses.
 */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
class CloudClusterDeletionTest {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final String TOKEN = "dop_v1_deletion";

  private final KubernetesClient client = KubeApiServerResource.client();
  private FakeDigitalOcean digitalOcean;
  private String ns;

  @BeforeEach
  void setUp() {
    digitalOcean = new FakeDigitalOcean(TOKEN);
    ns = freshNamespace(client, "deletion");
  }

  @AfterEach
  void tearDown() {
    digitalOcean.close();
  }

  /** A cluster on the fake DigitalOcean with one droplet peer that has started. */
  private void clusterWithOneDroplet() {
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("do-token")
                .withNamespace(ns)
                .endMetadata()
                .withStringData(Map.of("token", TOKEN))
                .build())
        .create();
    MeshCluster cluster = cluster(ns, "mesh", "100.92.0.0/16", 24);
    CloudProviderSpec account = new CloudProviderSpec();
    account.setRegion("fra1");
    account.setEndpoint(digitalOcean.endpoint().toString());
    account.setCredentialsSecretRef(new SecretReference("do-token"));
    ProvidersSpec providers = new ProvidersSpec();
    providers.setDigitalocean(account);
    cluster.getSpec().setProviders(providers);
    client.resource(cluster).create();
    Peer peer = TestObjects.peer(ns, "edge-0", "mesh", ProviderType.DIGITALOCEAN);
    peer.getSpec().setInstanceType("s-1vcpu-2gb");
    client.resource(peer).create();

    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              assertThat(secret().getMetadata().getFinalizers())
                  .as("the cluster keeps the credentials it names")
                  .contains(MeshfedApi.CREDENTIALS_FINALIZER);
              assertThat(peer("edge-0").getStatus().getPhase()).isEqualTo(PeerPhase.JOINING);
            });
    assertThat(digitalOcean.droplets()).hasSize(1);
  }

  @Test
  void aClusterDeletedTogetherWithItsCredentialsStillDeletesItsMachinesThenLetsTheSecretGo() {
    clusterWithOneDroplet();

    client.resources(MeshCluster.class).inNamespace(ns).withName("mesh").delete();
    client.secrets().inNamespace(ns).withName("do-token").delete();
    assertThat(secret())
        .as("held by its finalizer while the cluster needs it")
        .satisfies(s -> assertThat(s.getMetadata().getDeletionTimestamp()).isNotNull());

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(client.resources(MeshCluster.class).inNamespace(ns).withName("mesh").get())
                  .isNull();
              assertThat(client.secrets().inNamespace(ns).withName("do-token").get()).isNull();
            });
    assertThat(digitalOcean.droplets()).as("the machine went with its cluster").isEmpty();
    assertThat(digitalOcean.firewalls()).isEmpty();
    assertThat(digitalOcean.bugs()).isEmpty();
  }

  @Test
  void aDeletionTheCloudRefusesSaysWhyInTheClusterAndItsEventsThenCompletes() {
    clusterWithOneDroplet();
    digitalOcean.outage(
        FakeCloud.Reply.json(
            503,
            Map.of("id", "service_unavailable", "message", "the API is down for maintenance")));

    client.resources(MeshCluster.class).inNamespace(ns).withName("mesh").delete();
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              Condition ready =
                  Conditions.find(clusterObject().getStatus().getConditions(), "Ready")
                      .orElseThrow();
              assertThat(ready.getStatus()).isEqualTo("False");
              assertThat(ready.getReason())
                  .as(
                      () ->
                          "the cluster's Ready while its peer's is "
                              + Conditions.find(
                                  peer("edge-0").getStatus().getConditions(), "Ready"))
                  .isEqualTo("DeletionBlocked");
              assertThat(ready.getMessage())
                  .contains("waits for 1 peer the cloud keeps: peer edge-0: deleting machine")
                  .contains("maintenance");
              assertThat(clusterObject().getStatus().getPhase()).isEqualTo("Terminating");
            });
    assertThat(
            Conditions.find(peer("edge-0").getStatus().getConditions(), "Ready")
                .orElseThrow()
                .getReason())
        .isEqualTo("MachineDeletionFailed");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(eventsOf("mesh"))
                    .anySatisfy(
                        e -> {
                          assertThat(e.getType()).isEqualTo("Warning");
                          assertThat(e.getReason()).isEqualTo("DeletionBlocked");
                        }));

    digitalOcean.recover();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        client.resources(MeshCluster.class).inNamespace(ns).withName("mesh").get())
                    .isNull());
    assertThat(digitalOcean.droplets()).isEmpty();
    assertThat(secret().getMetadata().getFinalizers())
        .as("the Secret, not deleted, is the user's again")
        .doesNotContain(MeshfedApi.CREDENTIALS_FINALIZER);
  }

  private Secret secret() {
    return client.secrets().inNamespace(ns).withName("do-token").get();
  }

  private Peer peer(String name) {
    return client.resources(Peer.class).inNamespace(ns).withName(name).get();
  }

  private MeshCluster clusterObject() {
    return client.resources(MeshCluster.class).inNamespace(ns).withName("mesh").get();
  }

  private List<Event> eventsOf(String name) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(
            e ->
                name.equals(e.getInvolvedObject().getName())
                    && "MeshCluster".equals(e.getInvolvedObject().getKind()))
        .toList();
  }
}
