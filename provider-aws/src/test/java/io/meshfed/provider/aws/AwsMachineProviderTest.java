package io.meshfed.provider.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.fakes.MotoServer;
import io.meshfed.provider.spi.Machine;
import io.meshfed.provider.spi.MachineProvider;
import io.meshfed.provider.spi.MachineRequest;
import io.meshfed.provider.spi.ProviderContext;
import io.meshfed.provider.spi.ProviderException;
import io.meshfed.provider.spi.Tags;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.InstanceAttributeName;
import software.amazon.awssdk.services.ec2.model.Reservation;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;

/** The EC2 provider against moto's EC2 server: real requests, real responses, on loopback. */
class AwsMachineProviderTest {
  static MotoServer moto;
  static Ec2Client ec2;
  static String ami;

  final AwsMachineProvider provider = new AwsMachineProvider();
  final String clusterId = UUID.randomUUID().toString();
  ProviderContext context;

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

  @BeforeEach
  void freshAccount() throws Exception {
    moto.reset();
    ami = ec2.describeImages().images().get(0).imageId();
    context = context(clusterId);
  }

  private static ProviderContext context(String clusterId) {
    return new ProviderContext(
        clusterId,
        "default/mesh",
        Map.of("region", "eu-west-1", "endpoint", moto.endpoint().toString()),
        Map.of("accessKeyId", "testing", "secretAccessKey", "testing"));
  }

  private MachineRequest request(String peerName, String peerId, int attempt) {
    return new MachineRequest(
        clusterId,
        peerId,
        peerName,
        null,
        "eu-west-1b",
        "t3.micro",
        ami,
        51820,
        "#cloud-config\nruncmd: [[echo, " + peerName + "]]\n",
        null,
        Map.of(),
        attempt);
  }

  @Test
  void ensureLaunchesOneTaggedInstanceBehindTheClustersWireGuardSecurityGroup() throws Exception {
    String peerId = UUID.randomUUID().toString();
    Machine machine = provider.ensure(context, request("web-0", peerId, 1));

    assertThat(machine.providerID()).matches("aws:///eu-west-1b/i-[0-9a-f]+");
    assertThat(machine.state()).isIn(Machine.MachineState.PENDING, Machine.MachineState.RUNNING);
    assertThat(machine.privateAddress()).isNotBlank();
    assertThat(machine.tags())
        .containsEntry(Tags.CLUSTER, clusterId)
        .containsEntry(Tags.PEER, peerId)
        .containsEntry(Tags.PEER_NAME, "web-0");
    assertThat(machine.createdAt()).isNotNull();

    var instance = instances().get(0).instances().get(0);
    assertThat(instance.instanceTypeAsString()).isEqualTo("t3.micro");
    assertThat(instance.imageId()).isEqualTo(ami);
    String userData =
        ec2.describeInstanceAttribute(
                r -> r.instanceId(instance.instanceId()).attribute(InstanceAttributeName.USER_DATA))
            .userData()
            .value();
    assertThat(new String(Base64.getDecoder().decode(userData), StandardCharsets.UTF_8))
        .contains("echo, web-0");
    SecurityGroup group =
        ec2.describeSecurityGroups(r -> r.groupIds(instance.securityGroups().get(0).groupId()))
            .securityGroups()
            .get(0);
    assertThat(group.groupName()).isEqualTo("meshfed-" + clusterId);
    assertThat(group.ipPermissions())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.ipProtocol()).isEqualTo("udp");
              assertThat(p.fromPort()).isEqualTo(51820);
              assertThat(p.toPort()).isEqualTo(51820);
              assertThat(p.ipRanges()).extracting(r -> r.cidrIp()).containsExactly("0.0.0.0/0");
            });
  }

  @Test
  void ensureIsIdempotentAndPeersShareOneSecurityGroup() throws Exception {
    String peerId = UUID.randomUUID().toString();
    Machine first = provider.ensure(context, request("web-0", peerId, 1));
    // the reconcile crashed before writing status: the next one asks again, knowing nothing
    Machine again = provider.ensure(context, request("web-0", peerId, 1));
    assertThat(again.providerID()).isEqualTo(first.providerID());
    provider.ensure(context, request("web-1", UUID.randomUUID().toString(), 1));

    assertThat(instances().stream().mapToInt(r -> r.instances().size()).sum()).isEqualTo(2);
    assertThat(
            ec2.describeSecurityGroups(
                    r -> r.filters(f -> f.name("group-name").values("meshfed-" + clusterId)))
                .securityGroups())
        .hasSize(1);
  }

  @Test
  void everyLaunchCarriesTheAttemptsIdempotencyKeyAsClientToken() throws Exception {
    // EC2 answers a repeated RunInstances with the same ClientToken with the first instance: the
    // guard under the tag lookup when a launch's response is lost. moto keeps the token but does
    // not deduplicate by it, so this asserts what the SDK sends, not what EC2 does with it.
    List<String> tokens = new CopyOnWriteArrayList<>();
    var recording =
        new AwsMachineProvider(
            List.of(
                new ExecutionInterceptor() {
                  @Override
                  public void beforeExecution(
                      Context.BeforeExecution execution, ExecutionAttributes attributes) {
                    if (execution.request() instanceof RunInstancesRequest run) {
                      tokens.add(run.clientToken());
                    }
                  }
                }));
    String peerId = UUID.randomUUID().toString();
    recording.ensure(context, request("web-0", peerId, 1));
    recording.ensure(context, request("web-0", peerId, 1)); // found by tag: no second launch
    Machine first = recording.find(context, request("web-0", peerId, 1).ref(null)).orElseThrow();
    recording.delete(context, request("web-0", peerId, 1).ref(first.providerID()));
    recording.ensure(context, request("web-0", peerId, 2)); // the replacement: a new key

    assertThat(tokens).containsExactly(peerId, peerId + "-2");
  }

  @Test
  void findsByProviderIdOrByTagAndDeleteTerminates() throws Exception {
    String peerId = UUID.randomUUID().toString();
    MachineRequest request = request("web-0", peerId, 1);
    Machine machine = provider.ensure(context, request);

    assertThat(provider.find(context, request.ref(machine.providerID())))
        .get()
        .extracting(Machine::providerID)
        .isEqualTo(machine.providerID());
    // a crash before the providerID reached status: found by the peer's tag
    assertThat(provider.find(context, request.ref(null)))
        .get()
        .extracting(Machine::providerID)
        .isEqualTo(machine.providerID());

    provider.delete(context, request.ref(null));
    assertThat(provider.find(context, request.ref(machine.providerID())))
        .hasValueSatisfying(m -> assertThat(m.state().isGone()).isTrue());
    assertThat(provider.find(context, request.ref(null))).isEmpty();
    assertThat(provider.list(context, clusterId)).isEmpty();
    provider.delete(context, request.ref(machine.providerID())); // already gone: no error
  }

  @Test
  void listShowsOnlyTheClustersLiveMachinesAndReleaseRemovesTheSecurityGroup() throws Exception {
    provider.ensure(context, request("web-0", UUID.randomUUID().toString(), 1));
    provider.ensure(context, request("web-1", UUID.randomUUID().toString(), 1));
    ProviderContext other = context(UUID.randomUUID().toString());
    new AwsMachineProvider()
        .ensure(
            other,
            new MachineRequest(
                other.clusterId(),
                UUID.randomUUID().toString(),
                "elsewhere",
                null,
                null,
                null,
                ami,
                51820,
                null,
                null,
                Map.of(),
                1));

    List<Machine> machines = provider.list(context, clusterId);
    assertThat(machines)
        .extracting(m -> m.tags().get(Tags.PEER_NAME))
        .containsExactlyInAnyOrder("web-0", "web-1");

    for (Machine m : machines) {
      provider.delete(
          context,
          new MachineRequest(
                  clusterId, m.peerId(), "x", null, null, null, null, 0, null, null, Map.of(), 1)
              .ref(m.providerID()));
    }
    provider.releaseCluster(context);
    assertThat(
            ec2.describeSecurityGroups(
                    r -> r.filters(f -> f.name("group-name").values("meshfed-" + clusterId)))
                .securityGroups())
        .isEmpty();
    provider.releaseCluster(context); // idempotent
  }

  @Test
  void capacityComesFromEc2sInstanceTypeCatalogue() throws Exception {
    assertThat(provider.capacity(context, null, "t3.large"))
        .contains(new MachineProvider.InstanceCapacity(2000, 8L << 30));
    assertThat(provider.capacity(context, "eu-west-1", "m5.xlarge"))
        .contains(new MachineProvider.InstanceCapacity(4000, 16L << 30));
    assertThat(provider.capacity(context, null, null))
        .as("the default type, t3.small")
        .contains(new MachineProvider.InstanceCapacity(2000, 2L << 30));
    assertThatThrownBy(() -> provider.capacity(context, null, "t9.enormous"))
        .isInstanceOfSatisfying(
            ProviderException.class, e -> assertThat(e.getMessage()).contains("t9.enormous"));
  }

  @Test
  void errorsCarryReasonsAPersonCanActOn() {
    MachineRequest noImage =
        new MachineRequest(
            clusterId,
            UUID.randomUUID().toString(),
            "p",
            null,
            null,
            null,
            null,
            51820,
            null,
            null,
            Map.of(),
            1);
    assertThatThrownBy(() -> provider.ensure(context, noImage))
        .isInstanceOfSatisfying(
            ProviderException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("ImageRequired");
              assertThat(e.isRetryable()).isFalse();
            });
    MachineRequest badType =
        new MachineRequest(
            clusterId,
            UUID.randomUUID().toString(),
            "p",
            null,
            null,
            "t9.enormous",
            ami,
            51820,
            null,
            null,
            Map.of(),
            1);
    assertThatThrownBy(() -> provider.ensure(context, badType))
        .isInstanceOfSatisfying(
            ProviderException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("InvalidInstanceType");
              assertThat(e.getMessage()).contains("t9.enormous");
            });
    ProviderContext noKeys =
        new ProviderContext(clusterId, "default/mesh", context.settings(), Map.of());
    assertThatThrownBy(() -> provider.verifyCredentials(noKeys))
        .isInstanceOfSatisfying(
            ProviderException.class, e -> assertThat(e.reason()).isEqualTo("InvalidCredentials"));
  }

  private static List<Reservation> instances() {
    return ec2.describeInstances(
            r -> r.filters(f -> f.name("instance-state-name").values("pending", "running")))
        .reservations();
  }
}
