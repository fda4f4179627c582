package io.meshfed.provider.digitalocean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.fakes.FakeCloud.Reply;
import io.meshfed.fakes.FakeDigitalOcean;
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

/** The DigitalOcean provider at the wire, against a fake that speaks the v2 API's JSON. */
class DigitalOceanMachineProviderTest {
  static final String TOKEN = "dop_v1_test";
  final FakeDigitalOcean cloud = new FakeDigitalOcean(TOKEN, 1, 2);
  final DigitalOceanMachineProvider provider = new DigitalOceanMachineProvider();
  final String clusterId = UUID.randomUUID().toString();
  final ProviderContext context = context(TOKEN);

  @AfterEach
  void stop() {
    cloud.close();
  }

  private ProviderContext context(String token) {
    return new ProviderContext(
        clusterId,
        "default/mesh",
        Map.of("region", "fra1", "endpoint", cloud.endpoint().toString()),
        Map.of("token", token));
  }

  private MachineRequest request(String name, String peerId) {
    return new MachineRequest(
        clusterId,
        peerId,
        name,
        null,
        null,
        "s-1vcpu-2gb",
        null,
        51820,
        "#cloud-config\n",
        null,
        Map.of(),
        1);
  }

  @Test
  void ensureCreatesATaggedDropletBehindTheClustersFirewallThenFindsItRunning() throws Exception {
    String peerId = UUID.randomUUID().toString();
    Machine created = provider.ensure(context, request("edge-0", peerId));
    assertThat(created.state()).isEqualTo(Machine.MachineState.PENDING);
    assertThat(created.providerID()).matches("digitalocean://\\d+");
    assertThat(created.tags())
        .containsEntry(Tags.CLUSTER, clusterId)
        .containsEntry(Tags.PEER, peerId);

    JsonNode sent =
        cloud.calls().stream()
            .filter(c -> c.method().equals("POST") && c.path().equals("/v2/droplets"))
            .findFirst()
            .orElseThrow()
            .json();
    assertThat(sent.path("region").asText()).isEqualTo("fra1");
    assertThat(sent.path("image").asText()).isEqualTo("debian-12-x64");
    assertThat(sent.path("user_data").asText()).isEqualTo("#cloud-config\n");

    JsonNode firewall = cloud.firewalls().get(0);
    assertThat(firewall.path("name").asText()).isEqualTo("meshfed-" + clusterId);
    assertThat(firewall.path("tags").get(0).asText()).isEqualTo("meshfed-cluster:" + clusterId);
    assertThat(firewall.path("inbound_rules").get(0).path("protocol").asText()).isEqualTo("udp");
    assertThat(firewall.path("inbound_rules").get(0).path("ports").asText()).isEqualTo("51820");

    Machine pending =
        provider.find(context, request("edge-0", peerId).ref(created.providerID())).orElseThrow();
    assertThat(pending.state())
        .as("a droplet takes a while")
        .isEqualTo(Machine.MachineState.PENDING);
    Machine running =
        provider.find(context, request("edge-0", peerId).ref(created.providerID())).orElseThrow();
    assertThat(running.state()).isEqualTo(Machine.MachineState.RUNNING);
    assertThat(running.publicAddress()).startsWith("198.18.7.");
    assertThat(running.privateAddress()).startsWith("10.110.0.");
  }

  @Test
  void namesAreNotUniqueSoTheTagDecidesAndEnsureNeverCreatesTwice() throws Exception {
    String a = UUID.randomUUID().toString();
    String b = UUID.randomUUID().toString();
    Machine first = provider.ensure(context, request("edge", a));
    // the status write was lost: the next reconcile asks again
    Machine again = provider.ensure(context, request("edge", a));
    // a different Peer with the same name (another namespace) gets its own droplet
    Machine other = provider.ensure(context, request("edge", b));

    assertThat(again.providerID()).isEqualTo(first.providerID());
    assertThat(other.providerID()).isNotEqualTo(first.providerID());
    assertThat(cloud.droplets()).hasSize(2);
    assertThat(cloud.count("POST", "/v2/firewalls")).isEqualTo(1);
    assertThat(provider.find(context, request("edge", b).ref(null)))
        .get()
        .extracting(Machine::providerID)
        .isEqualTo(other.providerID());
  }

  @Test
  void listFollowsPagesAndShowsOnlyTheCluster() throws Exception {
    for (int i = 0; i < 5; i++) {
      provider.ensure(context, request("edge-" + i, UUID.randomUUID().toString()));
    }
    ProviderContext otherCluster =
        new ProviderContext(
            UUID.randomUUID().toString(), "other/mesh", context.settings(), context.credentials());
    provider.ensure(
        otherCluster,
        new MachineRequest(
            otherCluster.clusterId(),
            UUID.randomUUID().toString(),
            "elsewhere",
            null,
            null,
            null,
            null,
            51820,
            null,
            null,
            Map.of(),
            1));

    assertThat(provider.list(context, clusterId))
        .hasSize(5)
        .allSatisfy(m -> assertThat(m.tags()).containsEntry(Tags.CLUSTER, clusterId));
    assertThat(
            cloud.calls().stream()
                .filter(
                    c ->
                        c.method().equals("GET")
                            && c.path().equals("/v2/droplets")
                            && c.query().contains("page=3")))
        .as("page size 2: five droplets take three pages")
        .isNotEmpty();
  }

  @Test
  void deleteRemovesTheDropletFoundByIdOrTagAndIsIdempotent() throws Exception {
    String peerId = UUID.randomUUID().toString();
    Machine machine = provider.ensure(context, request("edge-0", peerId));
    provider.delete(
        context, request("edge-0", peerId).ref(null)); // by tag: the id was never recorded
    assertThat(cloud.droplets()).isEmpty();
    assertThat(provider.find(context, request("edge-0", peerId).ref(machine.providerID())))
        .isEmpty();
    provider.delete(
        context, request("edge-0", peerId).ref(machine.providerID())); // 404: already gone

    provider.releaseCluster(context);
    assertThat(cloud.firewalls()).isEmpty();
    provider.releaseCluster(context);
  }

  @Test
  void capacityComesFromTheSizesCatalogueAcrossPages() throws Exception {
    assertThat(provider.capacity(context, null, "s-4vcpu-8gb"))
        .contains(new MachineProvider.InstanceCapacity(4000, 8L << 30));
    assertThat(provider.capacity(context, "fra1", null))
        .as("the default size, s-1vcpu-2gb")
        .contains(new MachineProvider.InstanceCapacity(1000, 2L << 30));
    assertThat(provider.capacity(context, null, "m-64vcpu-512gb")).isEmpty();
    assertThat(cloud.count("GET", "/v2/sizes")).as("pages of 2").isGreaterThanOrEqualTo(2);
  }

  @Test
  void throttlingAndServerErrorsAreRetriedWithBackoffHonouringRetryAfter() throws Exception {
    String peerId = UUID.randomUUID().toString();
    Machine machine = provider.ensure(context, request("edge-0", peerId));
    cloud.failNext(
        "GET",
        "/v2/droplets/",
        new Reply(
            429,
            "{\"id\":\"too_many_requests\",\"message\":\"API Rate limit exceeded.\"}",
            Map.of(
                "Retry-After",
                "1",
                "RateLimit-Remaining",
                "0",
                "Content-Type",
                "application/json")));
    cloud.failNext(
        "GET", "/v2/droplets/", FakeDigitalOcean.error(503, "service_unavailable", "try again"));
    long before = System.nanoTime();
    assertThat(provider.find(context, request("edge-0", peerId).ref(machine.providerID())))
        .isPresent();
    assertThat((System.nanoTime() - before) / 1_000_000)
        .as("waited Retry-After")
        .isGreaterThanOrEqualTo(1000);
    assertThat(cloud.count("GET", "/v2/droplets/")).isEqualTo(3);

    // every attempt failing: a retryable error for the reconciler's own backoff
    for (int i = 0; i < DoApi.ATTEMPTS; i++) {
      cloud.failNext(
          "GET",
          "/v2/account",
          FakeDigitalOcean.error(500, "server_error", "Server was unable to give you a response."));
    }
    assertThatThrownBy(() -> provider.verifyCredentials(context))
        .isInstanceOfSatisfying(
            ProviderException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("ProviderUnavailable");
              assertThat(e.isRetryable()).isTrue();
            });
  }

  @Test
  void aCreateIsNeverRetriedBlindly() {
    cloud.failNext("POST", "/v2/droplets", FakeDigitalOcean.error(500, "server_error", "oops"));
    assertThatThrownBy(
            () -> provider.ensure(context, request("edge-0", UUID.randomUUID().toString())))
        .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.isRetryable()).isTrue());
    assertThat(cloud.count("POST", "/v2/droplets")).isEqualTo(1);
  }

  @Test
  void errorsCarryReasonsAPersonCanActOn() {
    assertThatThrownBy(() -> provider.verifyCredentials(context("wrong")))
        .isInstanceOfSatisfying(
            ProviderException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("InvalidCredentials");
              assertThat(e.getMessage()).contains("Unable to authenticate you");
            });
    MachineRequest badSize =
        new MachineRequest(
            clusterId,
            UUID.randomUUID().toString(),
            "p",
            null,
            null,
            "s-99vcpu",
            null,
            51820,
            null,
            null,
            Map.of(),
            1);
    assertThatThrownBy(() -> provider.ensure(context, badSize))
        .isInstanceOfSatisfying(
            ProviderException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("InvalidInstanceType");
              assertThat(e.isRetryable()).isFalse();
            });
    MachineRequest badRegion =
        new MachineRequest(
            clusterId,
            UUID.randomUUID().toString(),
            "p",
            "mars1",
            null,
            null,
            null,
            51820,
            null,
            null,
            Map.of(),
            1);
    assertThatThrownBy(() -> provider.ensure(context, badRegion))
        .isInstanceOfSatisfying(
            ProviderException.class, e -> assertThat(e.reason()).isEqualTo("InvalidRegion"));
  }
}
