package io.meshfed.operator.cloud;

import static io.meshfed.operator.testing.TestObjects.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.api.v1alpha1.AutoscalingSpec;
import io.meshfed.api.v1alpha1.CloudProviderSpec;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPool;
import io.meshfed.api.v1alpha1.PeerPoolSpec;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.api.v1alpha1.ProvidersSpec;
import io.meshfed.api.v1alpha1.ResourceAmounts;
import io.meshfed.api.v1alpha1.SecretReference;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.api.v1alpha1.WorkloadResources;
import io.meshfed.api.v1alpha1.WorkloadSpec;
import io.meshfed.fakes.MotoServer;
import io.meshfed.operator.testing.KubeApiServerResource;
import io.meshfed.operator.testing.SimulatedAgents;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;
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
 * An autoscaled AWS pool against moto's EC2: the instance type's size comes from EC2's own
 * catalogue (t3.small: 2 vCPU, 2 GiB), so four replicas of 1.5 cpu make exactly four instances;
 * with the workload gone, exactly those are terminated (minReplicas 0).
 */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
class AwsPoolAutoscalingTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  static MotoServer moto;
  static Ec2Client ec2;

  @ConfigProperty(name = "quarkus.http.test-ssl-port")
  int httpsPort;

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
  void scaleUpLaunchesExactlyTheInstancesDecidedAndScaleDownTerminatesExactlyThose()
      throws Exception {
    KubernetesClient client = KubeApiServerResource.client();
    String ns = freshNamespace(client, "aws-autoscale");
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("aws")
                .withNamespace(ns)
                .endMetadata()
                .withStringData(Map.of("accessKeyId", "testing", "secretAccessKey", "testing"))
                .build())
        .create();
    MeshCluster cluster = cluster(ns, "mesh", "100.96.0.0/16", 24);
    CloudProviderSpec account = new CloudProviderSpec();
    account.setCredentialsSecretRef(new SecretReference("aws"));
    account.setRegion("eu-west-1");
    account.setEndpoint(moto.endpoint().toString());
    ProvidersSpec providers = new ProvidersSpec();
    providers.setAws(account);
    cluster.getSpec().setProviders(providers);
    String clusterUid = client.resource(cluster).create().getMetadata().getUid();
    String ami = ec2.describeImages().images().get(0).imageId();

    try (SimulatedAgents agents = new SimulatedAgents(client, ns, httpsPort)) {
      client.resource(pool(ns, ami)).create();
      client.resource(workload(ns)).create();

      await().atMost(WAIT).untilAsserted(() -> assertThat(instances(clusterUid)).hasSize(4));
      PeerPool grown = client.resources(PeerPool.class).inNamespace(ns).withName("web").get();
      await()
          .ignoreExceptions()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(
                          client
                              .resources(PeerPool.class)
                              .inNamespace(ns)
                              .withName("web")
                              .get()
                              .getStatus()
                              .getLastScaleUp())
                      .isNotNull());
      grown = client.resources(PeerPool.class).inNamespace(ns).withName("web").get();
      assertThat(grown.getStatus().getLastScaleUp().getReason())
          .isEqualTo("+4 peers (t3.small) for 4 pending replicas of web");
      assertThat(grown.getStatus().getConditions())
          .anySatisfy(
              c -> {
                assertThat(c.getType()).isEqualTo("CapacityKnown");
                assertThat(c.getMessage()).isEqualTo("each peer holds cpu 2, memory 2Gi");
              });
      Set<String> launched =
          instances(clusterUid).stream().map(Instance::instanceId).collect(Collectors.toSet());
      Set<String> peerNames =
          instances(clusterUid).stream()
              .map(
                  i ->
                      i.tags().stream()
                          .filter(t -> t.key().equals("meshfed.io/peer-name"))
                          .findFirst()
                          .orElseThrow()
                          .value())
              .collect(Collectors.toSet());
      assertThat(peerNames).containsExactlyInAnyOrder("web-0", "web-1", "web-2", "web-3");

      for (String peer : peerNames) {
        agents.join(peer);
      }
      await()
          .ignoreExceptions()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(
                          client
                              .resources(Workload.class)
                              .inNamespace(ns)
                              .withName("web")
                              .get()
                              .getStatus()
                              .getPlacements())
                      .hasSize(4));
      await()
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(4))
          .untilAsserted(
              () -> assertThat(instances(clusterUid)).as("no more than decided").hasSize(4));

      client.resources(Workload.class).inNamespace(ns).withName("web").delete();
      await()
          .atMost(Duration.ofSeconds(90))
          .untilAsserted(
              () -> {
                assertThat(instances(clusterUid)).isEmpty();
                assertThat(
                        client
                            .resources(Peer.class)
                            .inNamespace(ns)
                            .withLabel(MeshfedApi.POOL_LABEL, "web")
                            .list()
                            .getItems())
                    .isEmpty();
              });
      Set<String> terminated =
          ec2
              .describeInstances(
                  r ->
                      r.filters(
                          f -> f.name("tag:meshfed.io/cluster").values(clusterUid),
                          f -> f.name("instance-state-name").values("shutting-down", "terminated")))
              .reservations()
              .stream()
              .flatMap(r -> r.instances().stream())
              .map(Instance::instanceId)
              .collect(Collectors.toSet());
      assertThat(terminated).isEqualTo(launched);

      // the cluster goes while its cloud is still there: left behind, it would ask a stopped
      // emulator for as long as the other test classes run
      client.resources(MeshCluster.class).inNamespace(ns).withName("mesh").delete();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  client.resources(MeshCluster.class).inNamespace(ns).withName("mesh").get()
                      == null);
    }
    client.close();
  }

  private static List<Instance> instances(String clusterUid) {
    return ec2
        .describeInstances(
            r ->
                r.filters(
                    f -> f.name("tag:meshfed.io/cluster").values(clusterUid),
                    f -> f.name("instance-state-name").values("pending", "running")))
        .reservations()
        .stream()
        .flatMap(r -> r.instances().stream())
        .toList();
  }

  private static PeerPool pool(String ns, String ami) {
    PeerPool pool = new PeerPool();
    pool.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName("web").build());
    PeerPoolSpec spec = new PeerPoolSpec();
    spec.setClusterRef(new ClusterReference("mesh"));
    spec.setProvider(ProviderType.AWS);
    spec.setInstanceType("t3.small");
    spec.setImage(ami);
    AutoscalingSpec autoscaling = new AutoscalingSpec();
    autoscaling.setMinReplicas(0);
    autoscaling.setMaxReplicas(6);
    autoscaling.setScaleDownAfter("2s");
    autoscaling.setCooldownAfterScaleUp("1s");
    autoscaling.setMaxUnavailable(new IntOrString("100%"));
    spec.setAutoscaling(autoscaling);
    pool.setSpec(spec);
    return pool;
  }

  private static Workload workload(String ns) {
    Workload workload = new Workload();
    workload.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName("web").build());
    WorkloadSpec spec = new WorkloadSpec();
    spec.setClusterRef(new ClusterReference("mesh"));
    spec.setReplicas(4);
    spec.setCommand(List.of("sleep", "infinity"));
    WorkloadResources resources = new WorkloadResources();
    resources.setRequests(new ResourceAmounts(new Quantity("1500m"), new Quantity("512Mi")));
    spec.setResources(resources);
    workload.setSpec(spec);
    return workload;
  }
}
