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
import io.meshfed.fakes.MotoServer;
import io.meshfed.operator.support.Conditions;
import io.meshfed.operator.testing.CrashSwitch;
import io.meshfed.operator.testing.KubeApiServerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Instance;

/**
 * Crash safety at the wire: the reconcile dies right after the cloud's create returned and before
 * the Peer's status says so; the next one must find that machine, not make a second. Then deleting
 * the Peer must leave nothing behind, and deleting the cluster removes its firewall.
 */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
class CloudPeerCrashTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  static MotoServer moto;
  static Ec2Client ec2;

  @BeforeAll
  static void startMoto() throws Exception {
    moto = MotoServer.start();
    ec2 = Ec2Client.builder()
        .region(Region.EU_WEST_1)
        .endpointOverride(moto.endpoint())
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))
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
  void awsACrashBetweenLaunchAndStatusLeavesExactlyOneInstanceAndDeleteLeavesNone() {
    KubernetesClient client = KubeApiServerResource.client();
    String ns = freshNamespace(client, "crash-aws");
    client.resource(new SecretBuilder().withNewMetadata().withName("aws").withNamespace(ns).endMetadata()
        .withStringData(Map.of("accessKeyId", "testing", "secretAccessKey", "testing")).build()).create();
    MeshCluster cluster = cluster(ns, "mesh", "100.91.0.0/16", 24);
    CloudProviderSpec aws = new CloudProviderSpec();
    aws.setRegion("eu-west-1");
    aws.setEndpoint(moto.endpoint().toString());
    aws.setCredentialsSecretRef(new SecretReference("aws"));
    ProvidersSpec providers = new ProvidersSpec();
    providers.setAws(aws);
    cluster.getSpec().setProviders(providers);
    String clusterUid = client.resource(cluster).create().getMetadata().getUid();

    Peer peer = peer(ns, "edge-0", "mesh", ProviderType.AWS);
    peer.getSpec().setInstanceType("t3.micro");
    peer.getSpec().setImage(ec2.describeImages().images().get(0).imageId());
    int crashesBefore = CrashSwitch.INSTANCE.crashes();
    CrashSwitch.INSTANCE.armFor("edge-0");
    Peer created = client.resource(peer).create();

    await().atMost(WAIT).untilAsserted(() -> {
      Peer p = client.resources(Peer.class).inNamespace(ns).withName("edge-0").get();
      assertThat(p.getStatus()).isNotNull();
      assertThat(p.getStatus().getProviderID()).startsWith("aws:///");
      assertThat(p.getStatus().getPhase()).isEqualTo(PeerPhase.JOINING);
      assertThat(p.getStatus().getMachineAttempt()).isEqualTo(1);
    });
    assertThat(CrashSwitch.INSTANCE.crashes()).as("the reconcile did crash after the launch").isEqualTo(crashesBefore + 1);
    List<Instance> instances = liveInstancesOf(created.getMetadata().getUid());
    assertThat(instances).as("one instance, not one per reconcile").hasSize(1);
    Peer recorded = client.resources(Peer.class).inNamespace(ns).withName("edge-0").get();
    assertThat(recorded.getStatus().getProviderID()).endsWith("/" + instances.get(0).instanceId());
    assertThat(instances.get(0).tags()).anySatisfy(t -> {
      assertThat(t.key()).isEqualTo("meshfed.io/cluster");
      assertThat(t.value()).isEqualTo(clusterUid);
    });
    // the cluster's credentials were checked with EC2 itself
    await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> assertThat(Conditions.find(
            client.resources(MeshCluster.class).inNamespace(ns).withName("mesh").get().getStatus().getConditions(),
            "CredentialsValid").orElseThrow().getStatus()).isEqualTo("True"));

    client.resource(recorded).delete();
    await().atMost(WAIT).until(() -> client.resources(Peer.class).inNamespace(ns).withName("edge-0").get() == null);
    assertThat(liveInstancesOf(created.getMetadata().getUid())).as("deleting the Peer terminates its instance").isEmpty();

    assertThat(securityGroupsOf(clusterUid)).as("the cluster's security group, while it lives").hasSize(1);
    client.resources(MeshCluster.class).inNamespace(ns).withName("mesh").delete();
    await().atMost(WAIT).until(() -> client.resources(MeshCluster.class).inNamespace(ns).withName("mesh").get() == null);
    assertThat(securityGroupsOf(clusterUid)).as("the cluster's security group goes with it").isEmpty();
  }

  private static List<software.amazon.awssdk.services.ec2.model.SecurityGroup> securityGroupsOf(String clusterUid) {
    return ec2.describeSecurityGroups(r -> r.filters(f -> f.name("group-name").values("meshfed-" + clusterUid)))
        .securityGroups();
  }

  private static List<Instance> liveInstancesOf(String peerUid) {
    return ec2.describeInstances(r -> r.filters(
            f -> f.name("tag:meshfed.io/peer").values(peerUid),
            f -> f.name("instance-state-name").values("pending", "running", "stopping", "stopped")))
        .reservations().stream().flatMap(r -> r.instances().stream()).toList();
  }
}
