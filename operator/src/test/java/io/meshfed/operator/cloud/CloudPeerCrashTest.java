package io.meshfed.operator.cloud;

import static io.meshfed.operator.testing.TestObjects.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.api.v1alpha1.CloudProviderSpec;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.api.v1alpha1.ProvidersSpec;
import io.meshfed.api.v1alpha1.SecretReference;
import io.meshfed.fakes.FakeAzure;
import io.meshfed.fakes.FakeDigitalOcean;
import io.meshfed.fakes.FakeGce;
import io.meshfed.fakes.MotoServer;
import io.meshfed.operator.netmap.MapEntries;
import io.meshfed.operator.support.Conditions;
import io.meshfed.operator.testing.CrashSwitch;
import io.meshfed.operator.testing.KubeApiServerResource;
import io.meshfed.operator.testing.TestAgents;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * Crash safety at the wire, for every cloud: the reconcile dies right after the cloud's create
 * returned and before the Peer's status says so; the next one must find that machine, not make a
 * second. Deleting the Peer must then leave nothing behind, and deleting the cluster removes its
 * firewall.
 */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
class CloudPeerCrashTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  static MotoServer moto;
  static Ec2Client ec2;

  /**
   * One cloud under test.
   *
   * @param liveMachinesOfPeer the machines the cloud holds for a Peer UID, by its own API
   * @param firewallsOfCluster the cluster's firewalls the cloud holds, for a cluster UID
   */
  record Cloud(
      ProviderType type,
      Map<String, String> credentials,
      Consumer<CloudProviderSpec> account,
      Consumer<Peer> machine,
      Function<String, List<?>> liveMachinesOfPeer,
      Function<String, Integer> firewallsOfCluster,
      Supplier<List<String>> fakeBugs) {}

  @BeforeAll
  static void startMoto() throws Exception {
    moto = MotoServer.start();
    ec2 =
        Ec2Client.builder()
            .region(Region.EU_WEST_1)
            .endpointOverride(moto.endpoint())
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))
            .httpClientBuilder(UrlConnectionHttpClient.builder())
            .build();
  }

  @AfterAll
  static void stopMoto() throws Exception {
    if (ec2 != null) {
      ec2.close();
    }
    if (moto != null) {
      moto.close();
    }
  }

  @Test
  void aws() {
    String ami = ec2.describeImages().images().get(0).imageId();
    crashBetweenCreateAndStatusThenDelete(
        new Cloud(
            ProviderType.AWS,
            Map.of("accessKeyId", "testing", "secretAccessKey", "testing"),
            account -> {
              account.setRegion("eu-west-1");
              account.setEndpoint(moto.endpoint().toString());
            },
            peer -> {
              peer.getSpec().setInstanceType("t3.micro");
              peer.getSpec().setImage(ami);
            },
            peerUid ->
                ec2
                    .describeInstances(
                        r ->
                            r.filters(
                                f -> f.name("tag:meshfed.io/peer").values(peerUid),
                                f ->
                                    f.name("instance-state-name")
                                        .values("pending", "running", "stopping", "stopped")))
                    .reservations()
                    .stream()
                    .flatMap(r -> r.instances().stream())
                    .toList(),
            clusterUid ->
                ec2.describeSecurityGroups(
                        r -> r.filters(f -> f.name("group-name").values("meshfed-" + clusterUid)))
                    .securityGroups()
                    .size(),
            List::of));
  }

  @Test
  void digitalOcean() {
    try (FakeDigitalOcean digitalOcean = new FakeDigitalOcean("dop_v1_crash")) {
      crashBetweenCreateAndStatusThenDelete(
          new Cloud(
              ProviderType.DIGITALOCEAN,
              Map.of("token", "dop_v1_crash"),
              account -> {
                account.setRegion("fra1");
                account.setEndpoint(digitalOcean.endpoint().toString());
              },
              peer -> peer.getSpec().setInstanceType("s-1vcpu-2gb"),
              peerUid -> digitalOcean.dropletsTagged("meshfed-peer:" + peerUid),
              clusterUid ->
                  (int)
                      digitalOcean.firewalls().stream()
                          .filter(f -> f.path("name").asText().equals("meshfed-" + clusterUid))
                          .count(),
              digitalOcean::bugs));
    }
  }

  @Test
  void gcp() {
    try (FakeGce gce = new FakeGce()) {
      crashBetweenCreateAndStatusThenDelete(
          new Cloud(
              ProviderType.GCP,
              Map.of("credentials.json", gce.serviceAccountJson()),
              account -> {
                account.setRegion("europe-west1");
                account.setEndpoint(gce.endpoint().toString());
              },
              peer -> peer.getSpec().setInstanceType("e2-small"),
              peerUid -> gce.instancesLabelled("meshfed-peer", peerUid),
              clusterUid ->
                  (int)
                      gce.firewalls().stream()
                          .filter(f -> f.path("name").asText().equals("meshfed-" + clusterUid))
                          .count(),
              gce::bugs));
    }
  }

  @Test
  void azure() {
    try (FakeAzure azure = new FakeAzure("meshfed-sp", "s3cr3t")) {
      crashBetweenCreateAndStatusThenDelete(
          new Cloud(
              ProviderType.AZURE,
              Map.of(
                  "tenantId", FakeAzure.TENANT, "clientId", "meshfed-sp", "clientSecret", "s3cr3t"),
              account -> {
                account.setRegion("westeurope");
                account.setSubscriptionId(FakeAzure.SUBSCRIPTION);
                account.setResourceGroup(FakeAzure.RESOURCE_GROUP);
                account.setEndpoint(azure.endpoint().toString());
              },
              peer -> peer.getSpec().setInstanceType("Standard_B2s"),
              peerUid ->
                  azure.resourcesTagged(
                      "Microsoft.Compute/virtualMachines", "meshfed-peer", peerUid),
              clusterUid ->
                  azure
                      .resourcesTagged(
                          "Microsoft.Network/networkSecurityGroups", "meshfed-cluster", clusterUid)
                      .size(),
              azure::bugs));
      assertThat(azure.resources("Microsoft.Network/networkInterfaces"))
          .as("the NIC went with the peer")
          .isEmpty();
      assertThat(azure.resources("Microsoft.Network/publicIPAddresses"))
          .as("the IP went with the peer")
          .isEmpty();
      assertThat(azure.resources("Microsoft.Compute/disks"))
          .as("the disk went with the peer")
          .isEmpty();
      assertThat(azure.resources("Microsoft.Network/virtualNetworks"))
          .as("the network went with the cluster")
          .isEmpty();
    }
  }

  private void crashBetweenCreateAndStatusThenDelete(Cloud cloud) {
    KubernetesClient client = KubeApiServerResource.client();
    String ns = freshNamespace(client, "crash-" + cloud.type().value());
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("cloud")
                .withNamespace(ns)
                .endMetadata()
                .withStringData(cloud.credentials())
                .build())
        .create();
    MeshCluster cluster = cluster(ns, "mesh", "100.91.0.0/16", 24);
    CloudProviderSpec account = new CloudProviderSpec();
    account.setCredentialsSecretRef(new SecretReference("cloud"));
    cloud.account().accept(account);
    ProvidersSpec providers = new ProvidersSpec();
    switch (cloud.type()) {
      case AWS -> providers.setAws(account);
      case GCP -> providers.setGcp(account);
      case AZURE -> providers.setAzure(account);
      default -> providers.setDigitalocean(account);
    }
    cluster.getSpec().setProviders(providers);
    String clusterUid = client.resource(cluster).create().getMetadata().getUid();

    Peer peer = peer(ns, "edge-0", "mesh", cloud.type());
    cloud.machine().accept(peer);
    int crashesBefore = CrashSwitch.INSTANCE.crashes();
    CrashSwitch.INSTANCE.armFor("edge-0");
    String peerUid = client.resource(peer).create().getMetadata().getUid();

    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Peer p = client.resources(Peer.class).inNamespace(ns).withName("edge-0").get();
              assertThat(p.getStatus()).isNotNull();
              assertThat(p.getStatus().getPhase())
                  .as(String.valueOf(p.getStatus().getConditions()))
                  .isEqualTo(PeerPhase.JOINING);
              assertThat(p.getStatus().getMachineAttempt()).isEqualTo(1);
            });
    assertThat(CrashSwitch.INSTANCE.crashes())
        .as("the reconcile did crash after the create")
        .isEqualTo(crashesBefore + 1);
    assertThat(cloud.liveMachinesOfPeer().apply(peerUid))
        .as("one machine, not one per reconcile")
        .hasSize(1);
    assertThat(
            client
                .resources(Peer.class)
                .inNamespace(ns)
                .withName("edge-0")
                .get()
                .getStatus()
                .getProviderID())
        .startsWith(
            switch (cloud.type()) {
              case AWS -> "aws:///";
              case GCP -> "gce://";
              case AZURE -> "azure:///subscriptions/";
              default -> "digitalocean://";
            });
    // the address the cloud gave the VM (1:1 NAT: its interface shows only the private one) is
    // where the other peers try it first once its agent has joined
    Peer provisioned = client.resources(Peer.class).inNamespace(ns).withName("edge-0").get();
    String publicAddress = provisioned.getStatus().getAddresses().getPublicAddress();
    assertThat(publicAddress).as("the cloud's public address").isNotBlank();
    provisioned.getStatus().setPublicKey(TestAgents.key(7));
    provisioned.getStatus().setSubnet("100.91.9.0/24");
    provisioned.getStatus().setMeshAddress("100.91.9.1");
    MeshCluster defaulted =
        client.resources(MeshCluster.class).inNamespace(ns).withName("mesh").get();
    assertThat(MapEntries.entryOf(provisioned, defaulted, List.of()).orElseThrow().endpoints())
        .first()
        .isEqualTo(publicAddress + ":" + defaulted.getSpec().getNetwork().getListenPort());
    // the cluster's credentials were checked with the cloud itself
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(
                        Conditions.find(
                                client
                                    .resources(MeshCluster.class)
                                    .inNamespace(ns)
                                    .withName("mesh")
                                    .get()
                                    .getStatus()
                                    .getConditions(),
                                "CredentialsValid")
                            .orElseThrow()
                            .getStatus())
                    .isEqualTo("True"));

    client.resources(Peer.class).inNamespace(ns).withName("edge-0").delete();
    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Peer still = client.resources(Peer.class).inNamespace(ns).withName("edge-0").get();
              assertThat(still)
                  .as(
                      () ->
                          "the Peer, still there: "
                              + (still == null || still.getStatus() == null
                                  ? ""
                                  : still.getStatus().getPhase()
                                      + " "
                                      + still.getStatus().getConditions()))
                  .isNull();
            });
    assertThat(cloud.liveMachinesOfPeer().apply(peerUid))
        .as("deleting the Peer deletes its machine")
        .isEmpty();

    assertThat(cloud.firewallsOfCluster().apply(clusterUid))
        .as("the cluster's firewall, while it lives")
        .isEqualTo(1);
    client.resources(MeshCluster.class).inNamespace(ns).withName("mesh").delete();
    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(cloud.fakeBugs().get())
                  .as("the fake answered everything it was asked")
                  .isEmpty();
              MeshCluster still =
                  client.resources(MeshCluster.class).inNamespace(ns).withName("mesh").get();
              assertThat(still)
                  .as(
                      () ->
                          "the cluster, still there: "
                              + (still == null || still.getStatus() == null
                                  ? ""
                                  : still.getStatus().getPhase()
                                      + " "
                                      + still.getStatus().getConditions()))
                  .isNull();
            });
    assertThat(cloud.firewallsOfCluster().apply(clusterUid))
        .as("the cluster's firewall goes with it")
        .isZero();
    assertThat(cloud.fakeBugs().get()).as("the fake answered everything it was asked").isEmpty();
    client.close();
  }
}
