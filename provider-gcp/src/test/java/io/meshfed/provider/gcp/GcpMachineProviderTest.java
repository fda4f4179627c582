package io.meshfed.provider.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.fakes.FakeGce;
import io.meshfed.provider.spi.Machine;
import io.meshfed.provider.spi.MachineProvider;
import io.meshfed.provider.spi.MachineRequest;
import io.meshfed.provider.spi.ProviderContext;
import io.meshfed.provider.spi.ProviderException;
import io.meshfed.provider.spi.Tags;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Compute Engine provider through google-cloud-compute, against a fake of the v1 REST API. */
class GcpMachineProviderTest {
  final FakeGce gce = new FakeGce();
  final GcpMachineProvider provider = new GcpMachineProvider();
  final String clusterId = UUID.randomUUID().toString();
  final ProviderContext context =
      new ProviderContext(
          clusterId,
          "default/mesh",
          Map.of("region", "europe-west1", "endpoint", gce.endpoint().toString()),
          Map.of("credentials.json", gce.serviceAccountJson()));

  @AfterEach
  void stop() {
    gce.close();
  }

  private MachineRequest request(String name, String peerId, int attempt) {
    return new MachineRequest(
        clusterId,
        peerId,
        name,
        null,
        null,
        "e2-small",
        null,
        51820,
        "#cloud-config\n",
        null,
        Map.of(),
        attempt);
  }

  @Test
  void capacityComesFromTheZonesMachineTypes() throws Exception {
    assertThat(provider.capacity(context, null, "e2-medium"))
        .contains(new MachineProvider.InstanceCapacity(2000, 4L << 30));
    assertThat(provider.capacity(context, "europe-west1", null))
        .as("the default type, e2-small")
        .contains(new MachineProvider.InstanceCapacity(2000, 2L << 30));
    assertThat(provider.capacity(context, null, "z9-gigantic")).isEmpty();
  }

  @Test
  void ensureInsertsALabelledInstanceBehindTheClustersFirewallAndWaitsForItsOperation()
      throws Exception {
    String peerId = UUID.randomUUID().toString();
    MachineRequest request = request("edge-0", peerId, 1);
    Machine first = provider.ensure(context, request);
    assertThat(first.state()).isEqualTo(Machine.MachineState.PENDING);
    assertThat(first.providerID())
        .matches("gce://" + FakeGce.PROJECT + "/europe-west1-b/mf-edge-0-[0-9a-f]{8}");

    JsonNode instance = gce.instances().get(0);
    assertThat(instance.path("labels").path("meshfed-cluster").asText()).isEqualTo(clusterId);
    assertThat(instance.path("labels").path("meshfed-peer").asText()).isEqualTo(peerId);
    assertThat(instance.path("machineType").asText())
        .isEqualTo("zones/europe-west1-b/machineTypes/e2-small");
    assertThat(instance.path("metadata").path("items").get(0).path("key").asText())
        .isEqualTo("user-data");
    assertThat(instance.path("disks").get(0).path("autoDelete").asBoolean())
        .as("the disk goes with it")
        .isTrue();
    assertThat(instance.path("tags").path("items").get(0).asText())
        .isEqualTo("meshfed-" + clusterId);
    JsonNode firewall = gce.firewalls().get(0);
    assertThat(firewall.path("allowed").get(0).path("IPProtocol").asText()).isEqualTo("udp");
    assertThat(firewall.path("allowed").get(0).path("ports").get(0).asText()).isEqualTo("51820");
    assertThat(firewall.path("targetTags").get(0).asText()).isEqualTo("meshfed-" + clusterId);
    assertThat(gce.calls())
        .anySatisfy(
            c -> {
              assertThat(c.method()).isEqualTo("POST");
              assertThat(c.path()).endsWith("/zones/europe-west1-b/instances");
              assertThat(c.query()).contains("requestId=");
            });

    Machine running = null;
    for (int i = 0;
        i < 5 && (running == null || running.state() != Machine.MachineState.RUNNING);
        i++) {
      running = provider.ensure(context, request);
    }
    assertThat(running.state()).isEqualTo(Machine.MachineState.RUNNING);
    assertThat(running.providerID()).isEqualTo(first.providerID());
    assertThat(running.publicAddress()).startsWith("198.18.8.");
    assertThat(running.privateAddress()).startsWith("10.132.0.");
    assertThat(running.tags())
        .containsEntry(Tags.PEER, peerId)
        .containsEntry(Tags.CLUSTER, clusterId);
    assertThat(running.createdAt()).isNotNull();
    assertThat(gce.instances()).hasSize(1);
    assertThat(gce.count("POST", "/compute/v1/projects/" + FakeGce.PROJECT + "/global/firewalls"))
        .isEqualTo(1);
  }

  @Test
  void aSecondProviderWithNoMemoryMeetsTheNameNotATwin() throws Exception {
    String peerId = UUID.randomUUID().toString();
    Machine first = provider.ensure(context, request("edge-0", peerId, 1));
    // a restarted operator: nothing in memory, the status write lost
    Machine again = new GcpMachineProvider().ensure(context, request("edge-0", peerId, 1));
    assertThat(again.providerID()).isEqualTo(first.providerID());
    assertThat(gce.instances()).hasSize(1);
    // a replacement is another machine
    Machine replacement = provider.ensure(context, request("edge-0", peerId, 2));
    assertThat(replacement.providerID()).isNotEqualTo(first.providerID());
  }

  @Test
  void anOperationThatFailsBecomesTheReason() throws Exception {
    gce.instanceQuota(0);
    MachineRequest request = request("edge-0", UUID.randomUUID().toString(), 1);
    assertThatThrownBy(() -> provider.ensure(context, request))
        .isInstanceOfSatisfying(
            ProviderException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("QuotaExceeded");
              assertThat(e.isRetryable()).isTrue();
              assertThat(e.getMessage()).contains("QUOTA_EXCEEDED").contains("INSTANCES");
            });
    assertThat(gce.instances()).isEmpty();
  }

  @Test
  void listFollowsPagesAndFindsByLabelDeleteIsIdempotent() throws Exception {
    gce.pageSize(2);
    String target = UUID.randomUUID().toString();
    for (int i = 0; i < 4; i++) {
      provider.ensure(
          context, request("edge-" + i, i == 0 ? target : UUID.randomUUID().toString(), 1));
    }
    assertThat(provider.list(context, clusterId)).hasSize(4);
    assertThat(provider.find(context, request("edge-0", target, 1).ref(null))).isPresent();

    provider.delete(context, request("edge-0", target, 1).ref(null));
    assertThat(gce.instancesLabelled("meshfed-peer", target)).isEmpty();
    assertThat(provider.find(context, request("edge-0", target, 1).ref(null))).isEmpty();
    provider.delete(context, request("edge-0", target, 1).ref(null));
    assertThat(provider.list(context, clusterId)).hasSize(3);

    provider.releaseCluster(context);
    assertThat(gce.firewalls()).isEmpty();
    provider.releaseCluster(context);
  }

  @Test
  void throttlingAndServerErrorsAreRetriedByTheClient() throws Exception {
    gce.failNext(
        "GET",
        "/compute/v1/projects/" + FakeGce.PROJECT,
        FakeGce.error(429, "RESOURCE_EXHAUSTED", "Rate Limit Exceeded", "rateLimitExceeded"));
    gce.failNext(
        "GET",
        "/compute/v1/projects/" + FakeGce.PROJECT,
        FakeGce.error(503, "UNAVAILABLE", "The service is currently unavailable.", "backendError"));
    provider.verifyCredentials(context);
    assertThat(gce.count("GET", "/compute/v1/projects/" + FakeGce.PROJECT)).isEqualTo(3);
  }

  @Test
  void errorsCarryReasonsAPersonCanActOn() {
    MachineRequest badType =
        new MachineRequest(
            clusterId,
            UUID.randomUUID().toString(),
            "p",
            null,
            null,
            "n9-gigantic",
            null,
            51820,
            null,
            null,
            Map.of(),
            1);
    assertThatThrownBy(() -> provider.ensure(context, badType))
        .isInstanceOfSatisfying(
            ProviderException.class,
            e -> {
              assertThat(e.reason()).as(e.getMessage()).isEqualTo("InvalidInstanceType");
              assertThat(e.isRetryable()).isFalse();
            });
    // a key the token endpoint does not accept: another fake's key
    try (FakeGce other = new FakeGce()) {
      String foreignKey =
          other
              .serviceAccountJson()
              .replace(other.endpoint().toString(), gce.endpoint().toString());
      ProviderContext wrongKey =
          new ProviderContext(
              clusterId,
              "default/mesh",
              context.settings(),
              Map.of("credentials.json", foreignKey));
      assertThatThrownBy(() -> provider.verifyCredentials(wrongKey))
          .isInstanceOfSatisfying(
              ProviderException.class,
              e -> assertThat(e.reason()).as(e.getMessage()).isEqualTo("InvalidCredentials"));
    }
    ProviderContext notAKey =
        new ProviderContext(
            clusterId,
            "default/mesh",
            context.settings(),
            Map.of("credentials.json", "{\"type\": \"authorized_user\"}"));
    assertThatThrownBy(() -> provider.verifyCredentials(notAKey))
        .isInstanceOfSatisfying(
            ProviderException.class, e -> assertThat(e.reason()).isEqualTo("InvalidCredentials"));
  }
}
