package io.meshfed.provider.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.http.okhttp.OkHttpAsyncHttpClientBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.fakes.FakeAzure;
import io.meshfed.fakes.FakeCloud.Reply;
import io.meshfed.fakes.FakeTls;
import io.meshfed.provider.spi.Machine;
import io.meshfed.provider.spi.MachineProvider;
import io.meshfed.provider.spi.MachineRequest;
import io.meshfed.provider.spi.ProviderContext;
import io.meshfed.provider.spi.ProviderException;
import io.meshfed.provider.spi.Tags;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Azure provider through azure-resourcemanager and azure-identity (MSAL), against a fake of
 * Entra ID's token endpoint and Resource Manager, over HTTPS.
 */
class AzureMachineProviderTest {
  static final String CLIENT = "meshfed-sp";
  static final String SECRET = "s3cr3t";
  final FakeAzure azure = new FakeAzure(CLIENT, SECRET);
  final AzureMachineProvider provider = trustingTheFake();
  final String clusterId = UUID.randomUUID().toString();
  final ProviderContext context = context(SECRET);

  /** The real provider, with an HTTP client that trusts the fake's certificate. */
  static AzureMachineProvider trustingTheFake() {
    return new AzureMachineProvider(
        () ->
            new OkHttpAsyncHttpClientBuilder(
                    new OkHttpClient.Builder()
                        .sslSocketFactory(
                            FakeTls.shared().clientContext().getSocketFactory(),
                            FakeTls.shared().trustManager())
                        .build())
                .build());
  }

  @AfterEach
  void stop() {
    azure.close();
  }

  private ProviderContext context(String secret) {
    return new ProviderContext(
        clusterId,
        "default/mesh",
        Map.of(
            "subscriptionId",
            FakeAzure.SUBSCRIPTION,
            "resourceGroup",
            FakeAzure.RESOURCE_GROUP,
            "region",
            "westeurope",
            "endpoint",
            azure.endpoint().toString()),
        Map.of("tenantId", FakeAzure.TENANT, "clientId", CLIENT, "clientSecret", secret));
  }

  private MachineRequest request(String name, String peerId, int attempt) {
    return new MachineRequest(
        clusterId,
        peerId,
        name,
        null,
        null,
        "Standard_B2s",
        null,
        51820,
        "#cloud-config\n",
        null,
        Map.of(),
        attempt);
  }

  private Machine ensureUntilRunning(MachineRequest request) throws ProviderException {
    Machine machine = null;
    for (int step = 0; step < 20; step++) {
      machine = provider.ensure(context, request);
      if (machine.state() == Machine.MachineState.RUNNING) {
        return machine;
      }
    }
    throw new AssertionError("not running after 20 reconciles: " + machine);
  }

  @Test
  void capacityComesFromTheRegionsVmSizes() throws Exception {
    assertThat(provider.capacity(context, null, "Standard_D2s_v5"))
        .contains(new MachineProvider.InstanceCapacity(2000, 8L << 30));
    assertThat(provider.capacity(context, "westeurope", null))
        .as("the default size, Standard_B2s")
        .contains(new MachineProvider.InstanceCapacity(2000, 4L << 30));
    assertThat(provider.capacity(context, null, "Standard_Z99")).isEmpty();
  }

  @Test
  void ensureBuildsTheMachineOnePartPerStepWithPutAndResumesTheOperations() throws Exception {
    String peerId = UUID.randomUUID().toString();
    Machine first = provider.ensure(context, request("edge-0", peerId, 1));
    assertThat(first.state()).isEqualTo(Machine.MachineState.PENDING);
    assertThat(first.providerID())
        .matches(
            "azure:///subscriptions/"
                + FakeAzure.SUBSCRIPTION
                + "/resourceGroups/"
                + FakeAzure.RESOURCE_GROUP
                + "/providers/Microsoft.Compute/virtualMachines/mf-edge-0-[0-9a-f]{8}");

    Machine running = ensureUntilRunning(request("edge-0", peerId, 1));
    assertThat(running.providerID()).isEqualTo(first.providerID());
    assertThat(running.publicAddress()).startsWith("198.18.9.");
    assertThat(running.privateAddress()).startsWith("10.200.0.");
    assertThat(running.tags())
        .containsEntry(Tags.CLUSTER, clusterId)
        .containsEntry(Tags.PEER, peerId);
    assertThat(running.createdAt()).isNotNull();

    JsonNode vm = azure.resources("Microsoft.Compute/virtualMachines").get(0);
    assertThat(vm.path("properties").path("hardwareProfile").path("vmSize").asText())
        .isEqualTo("Standard_B2s");
    assertThat(
            new String(
                Base64.getDecoder()
                    .decode(vm.path("properties").path("osProfile").path("customData").asText()),
                StandardCharsets.UTF_8))
        .isEqualTo("#cloud-config\n");
    assertThat(
            vm.path("properties")
                .path("storageProfile")
                .path("osDisk")
                .path("deleteOption")
                .asText())
        .isEqualTo("Delete");
    JsonNode nsg = azure.resources("Microsoft.Network/networkSecurityGroups").get(0);
    JsonNode rule = nsg.path("properties").path("securityRules").get(0).path("properties");
    assertThat(rule.path("protocol").asText()).isEqualTo("Udp");
    assertThat(rule.path("destinationPortRange").asText()).isEqualTo("51820");
    assertThat(rule.path("access").asText()).isEqualTo("Allow");
    // PUT everywhere, every create under a name derived from the peer: a repeat changes nothing
    assertThat(azure.calls())
        .filteredOn(c -> c.path().contains("/providers/"))
        .allSatisfy(c -> assertThat(c.method()).isIn("GET", "PUT"));
    assertThat(provider.ensure(context, request("edge-0", peerId, 1)).providerID())
        .isEqualTo(first.providerID());
    assertThat(azure.resources("Microsoft.Compute/virtualMachines")).hasSize(1);
    assertThat(azure.resources("Microsoft.Network/networkInterfaces")).hasSize(1);
  }

  @Test
  void aRestartedOperatorResumesWhereTheLastOneStopped() throws Exception {
    String peerId = UUID.randomUUID().toString();
    for (int i = 0; i < 4; i++) {
      provider.ensure(
          context, request("edge-0", peerId, 1)); // part of the way: no memory is needed
    }
    Machine running = null;
    AzureMachineProvider restarted = trustingTheFake();
    for (int i = 0;
        i < 20 && (running == null || running.state() != Machine.MachineState.RUNNING);
        i++) {
      running = restarted.ensure(context, request("edge-0", peerId, 1));
    }
    assertThat(running.state()).isEqualTo(Machine.MachineState.RUNNING);
    assertThat(azure.resources("Microsoft.Compute/virtualMachines")).hasSize(1);
    assertThat(azure.resources("Microsoft.Network/publicIPAddresses")).hasSize(1);
  }

  @Test
  void deleteTakesEverythingMadeForTheMachineStepByStep() throws Exception {
    String peerId = UUID.randomUUID().toString();
    MachineRequest request = request("edge-0", peerId, 1);
    Machine machine = ensureUntilRunning(request);
    assertThat(provider.list(context, clusterId))
        .extracting(Machine::providerID)
        .containsExactly(machine.providerID());

    int steps = 0;
    Optional<Machine> still = provider.find(context, request.ref(machine.providerID()));
    while (still.isPresent() && steps++ < 20) {
      provider.delete(context, request.ref(machine.providerID()));
      still = provider.find(context, request.ref(machine.providerID()));
    }
    assertThat(still).isEmpty();
    assertThat(azure.resources("Microsoft.Compute/virtualMachines")).isEmpty();
    assertThat(azure.resources("Microsoft.Network/networkInterfaces")).isEmpty();
    assertThat(azure.resources("Microsoft.Network/publicIPAddresses")).isEmpty();
    assertThat(azure.resources("Microsoft.Compute/disks")).isEmpty();
    provider.delete(context, request.ref(machine.providerID())); // already gone

    provider.releaseCluster(context);
    provider.releaseCluster(context);
    assertThat(azure.resources("Microsoft.Network/virtualNetworks")).isEmpty();
    // the NSG goes once the network that used it is gone
    provider.releaseCluster(context);
    assertThat(azure.resources("Microsoft.Network/networkSecurityGroups")).isEmpty();
  }

  @Test
  void throttlingAndServerErrorsAreRetriedByThePipeline() throws Exception {
    provider.verifyCredentials(context);
    azure.failNext(
        "GET",
        "/subscriptions/",
        new Reply(
            429,
            "{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"The request is being throttled.\"}}",
            Map.of("Retry-After", "1", "Content-Type", "application/json")));
    azure.failNext(
        "GET", "/subscriptions/", FakeAzure.error(503, "ServiceUnavailable", "try later"));
    long before = System.nanoTime();
    provider.verifyCredentials(context);
    assertThat((System.nanoTime() - before) / 1_000_000)
        .as("waited Retry-After")
        .isGreaterThanOrEqualTo(1000);
    assertThat(azure.count("GET", "/subscriptions/" + FakeAzure.SUBSCRIPTION + "/resourcegroups/"))
        .isEqualTo(4);
  }

  @Test
  void errorsCarryReasonsAPersonCanActOn() {
    assertThatThrownBy(() -> trustingTheFake().verifyCredentials(context("wrong")))
        .isInstanceOfSatisfying(
            ProviderException.class,
            e -> {
              assertThat(e.reason()).as(e.getMessage()).isEqualTo("InvalidCredentials");
              assertThat(e.isRetryable()).isFalse();
            });
    MachineRequest badSize =
        new MachineRequest(
            clusterId,
            UUID.randomUUID().toString(),
            "p",
            null,
            null,
            "Standard_Z99",
            null,
            51820,
            null,
            null,
            Map.of(),
            1);
    assertThatThrownBy(
            () -> {
              for (int i = 0; i < 20; i++) {
                provider.ensure(context, badSize);
              }
            })
        .isInstanceOfSatisfying(
            ProviderException.class,
            e -> {
              assertThat(e.reason()).as(e.getMessage()).isEqualTo("InvalidInstanceType");
              assertThat(e.isRetryable()).isFalse();
            });
    azure.vmQuota(0);
    MachineRequest overQuota = request("q", UUID.randomUUID().toString(), 1);
    assertThatThrownBy(
            () -> {
              for (int i = 0; i < 30; i++) {
                provider.ensure(context, overQuota); // IP, NIC, then the VM meets the quota
              }
            })
        .isInstanceOfSatisfying(
            ProviderException.class,
            e -> {
              assertThat(e.reason()).as(e.getMessage()).isEqualTo("QuotaExceeded");
              assertThat(e.isRetryable()).isTrue();
            });
  }
}
