package io.meshfed.operator.peer;

import static io.meshfed.operator.testing.TestObjects.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.operator.ipam.SubnetAllocator;
import io.meshfed.operator.join.AgentSecrets;
import io.meshfed.operator.support.Conditions;
import io.meshfed.operator.testing.FakeMachineProvider;
import io.meshfed.operator.testing.KubeApiServerResource;
import io.meshfed.operator.testing.TestClock;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The provisioning half of the Peer state machine, against an in-memory cloud. */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
class PeerProvisioningTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Inject FakeMachineProvider cloud;
  @Inject TestClock clock;
  KubernetesClient client;
  String ns;

  @BeforeEach
  void setUp() {
    client = KubeApiServerResource.client();
    ns = freshNamespace(client, "provisioning");
    client.resource(cluster(ns, "cloudy", "100.90.0.0/16", 24)).create();
  }

  @AfterEach
  void tearDown() {
    clock.reset();
    client.close();
  }

  @Test
  void aMachineIsMadeOnceRecordedAndWaitedForUntilItRuns() {
    int createsBefore = cloud.createsOf("vm-1");
    List<PeerPhase> seen = new CopyOnWriteArrayList<>();
    // every version of the Peer the server stores, in order
    Watch watch =
        client
            .resources(Peer.class)
            .inNamespace(ns)
            .withName("vm-1")
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Peer peer) {
                    PeerPhase phase = peer.getStatus() == null ? null : peer.getStatus().getPhase();
                    if (phase != null && (seen.isEmpty() || seen.get(seen.size() - 1) != phase)) {
                      seen.add(phase);
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
    client.resource(peer(ns, "vm-1", "cloudy", ProviderType.LOCAL)).create();

    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Peer peer = get("vm-1");
              assertThat(peer.getStatus().getPhase()).isEqualTo(PeerPhase.JOINING);
              assertThat(peer.getStatus().getProviderID()).isEqualTo("fake:///vm-1");
              assertThat(peer.getStatus().getAddresses().getPublicAddress())
                  .startsWith("198.18.0.");
              assertThat(condition(peer, "Provisioned").getReason()).isEqualTo("MachineRunning");
              assertThat(condition(peer, "Ready").getReason()).isEqualTo("WaitingForAgent");
              assertThat(condition(peer, "Ready").getMessage()).contains("network namespace");
            });
    await()
        .atMost(WAIT)
        .until(() -> !seen.isEmpty() && seen.get(seen.size() - 1) == PeerPhase.JOINING);
    watch.close();
    assertThat(seen).containsExactly(PeerPhase.PROVISIONING, PeerPhase.JOINING);
    // ensure ran several times; the cloud made one machine
    assertThat(cloud.createsOf("vm-1") - createsBefore).isEqualTo(1);
  }

  @Test
  void deletionWaitsUntilTheCloudSaysTheMachineIsGone() {
    client.resource(peer(ns, "vm-2", "cloudy", ProviderType.LOCAL)).create();
    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .until(
            () ->
                get("vm-2").getStatus() != null
                    && get("vm-2").getStatus().getPhase() == PeerPhase.JOINING);

    client.resources(Peer.class).inNamespace(ns).withName("vm-2").delete();
    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(
            () -> {
              Peer peer = get("vm-2");
              assertThat(peer).isNotNull();
              assertThat(peer.getStatus().getPhase()).isEqualTo(PeerPhase.TERMINATING);
            });
    assertThat(cloud.has("vm-2"))
        .as("machine still deleting while the Peer is Terminating")
        .isTrue();

    await().atMost(WAIT).until(() -> get("vm-2") == null);
    assertThat(cloud.has("vm-2")).isFalse();
    var table =
        client
            .configMaps()
            .inNamespace(ns)
            .withName(SubnetAllocator.configMapName("cloudy"))
            .get()
            .getData();
    // released: another peer gets it once this Peer is gone
    assertThat(table.values())
        .filteredOn(v -> v.endsWith("/vm-2"))
        .singleElement()
        .satisfies(v -> assertThat(v).startsWith("released/"));
  }

  @Test
  void aPermanentErrorFailsThePeerWithTheProvidersReason() {
    cloud.script("quota-1", FakeMachineProvider.Script.QUOTA_EXCEEDED);
    client.resource(peer(ns, "quota-1", "cloudy", ProviderType.LOCAL)).create();
    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Peer peer = get("quota-1");
              assertThat(peer.getStatus().getPhase()).isEqualTo(PeerPhase.FAILED);
              Condition provisioned = condition(peer, "Provisioned");
              assertThat(provisioned.getStatus()).isEqualTo("False");
              assertThat(provisioned.getReason()).isEqualTo("QuotaExceeded");
              assertThat(provisioned.getMessage()).contains("ask for more");
              assertThat(condition(peer, "Ready").getReason()).isEqualTo("QuotaExceeded");
              assertThat(condition(peer, "Ready").getMessage()).contains("ask for more");
            });
  }

  @Test
  void aRetryableErrorIsRetriedUntilItClears() {
    cloud.script("flaky-1", FakeMachineProvider.Script.THROTTLED_TWICE);
    client.resource(peer(ns, "flaky-1", "cloudy", ProviderType.LOCAL)).create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(get("flaky-1").getStatus())
                    .isNotNull()
                    .extracting(s -> s.getPhase())
                    .isEqualTo(PeerPhase.JOINING));
    Condition provisioned = condition(get("flaky-1"), "Provisioned");
    assertThat(provisioned.getReason()).isEqualTo("MachineRunning");
  }

  @Test
  void theMachineBootsWithUserDataThatInstallsTheAgentWithItsOwnOneTimeToken() throws Exception {
    client.resource(peer(ns, "vm-boot", "cloudy", ProviderType.LOCAL)).create();
    await().atMost(WAIT).until(() -> cloud.userDataOf("vm-boot") != null);
    String userData = cloud.userDataOf("vm-boot");
    var doc = new ObjectMapper(new YAMLFactory()).readTree(userData);
    var runcmd = doc.get("runcmd").get(0);
    String token =
        AgentSecrets.read(
            client
                .secrets()
                .inNamespace(ns)
                .withName(AgentSecrets.bootstrapSecretName("vm-boot"))
                .get(),
            AgentSecrets.BOOTSTRAP_TOKEN);
    assertThat(userData).startsWith("#cloud-config\n");
    assertThat(runcmd.get(3).asText()).startsWith("https://");
    assertThat(runcmd.get(4).asText()).startsWith("sha256:");
    assertThat(runcmd.get(5).asText()).isEqualTo("vm-boot");
    assertThat(runcmd.toString()).as("no token on a command line").doesNotContain(token);
    var tokenFile = doc.get("write_files").get(1);
    assertThat(tokenFile.get("permissions").asText()).isEqualTo("0600");
    assertThat(tokenFile.get("content").asText())
        .as("the peer's own bootstrap token")
        .endsWith(token);
    assertThat(doc.get("write_files").get(0).get("content").asText())
        .startsWith("-----BEGIN CERTIFICATE-----");
  }

  @Test
  void aMachineThatNeverStartsIsReplacedAfterTheLaunchTimeout() {
    cloud.script("stuck-1", FakeMachineProvider.Script.NEVER_STARTS);
    client.resource(peer(ns, "stuck-1", "cloudy", ProviderType.LOCAL)).create();
    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(get("stuck-1").getStatus()).isNotNull();
              assertThat(get("stuck-1").getStatus().getMachineAttempt()).isEqualTo(1);
              assertThat(condition(get("stuck-1"), "Provisioned").getReason())
                  .isEqualTo("MachinePending");
            });
    clock.advance(Duration.ofHours(1)); // past the launch timeout; the pending machine is polled
    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Peer peer = get("stuck-1");
              assertThat(peer.getStatus().getMachineAttempt()).isEqualTo(2);
              assertThat(cloud.createsOf("stuck-1"))
                  .as("the first machine deleted, a second made")
                  .isEqualTo(2);
              assertThat(peer.getStatus().getPhase()).isEqualTo(PeerPhase.PROVISIONING);
            });
  }

  @Test
  void aMachineWhoseAgentNeverJoinsIsReplacedAfterTheJoinTimeout() {
    client.resource(peer(ns, "late-1", "cloudy", ProviderType.LOCAL)).create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(get("late-1").getStatus())
                    .isNotNull()
                    .extracting(s -> s.getPhase())
                    .isEqualTo(PeerPhase.JOINING));
    clock.advance(Duration.ofHours(1)); // past the join timeout
    touch("late-1"); // a Joining peer is next looked at on its deadline, in real time
    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Peer peer = get("late-1");
              assertThat(peer.getStatus().getMachineAttempt()).isEqualTo(2);
              assertThat(cloud.createsOf("late-1")).isEqualTo(2);
            });
    // the replacement runs, and is waited for again
    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(get("late-1").getStatus().getPhase()).isEqualTo(PeerPhase.JOINING));
    assertThat(cloud.createsOf("late-1")).isEqualTo(2);
  }

  @Test
  void anUnexpectedFailureBecomesAConditionAndGoesWithTheNextGoodReconcile() {
    cloud.script("buggy-1", FakeMachineProvider.Script.UNEXPECTED_FAILURE);
    client.resource(peer(ns, "buggy-1", "cloudy", ProviderType.LOCAL)).create();
    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Condition reconciled = condition(get("buggy-1"), "Reconciled");
              assertThat(reconciled.getStatus()).isEqualTo("False");
              assertThat(reconciled.getReason()).isEqualTo("ReconcileError");
              assertThat(reconciled.getMessage())
                  .isEqualTo(
                      "IllegalStateException: the fake cloud's bug: no machine table for buggy-1");
            });
    cloud.script("buggy-1", null);
    await()
        .ignoreExceptions()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Peer peer = get("buggy-1");
              assertThat(peer.getStatus().getPhase()).isEqualTo(PeerPhase.JOINING);
              assertThat(Conditions.find(peer.getStatus().getConditions(), "Reconciled")).isEmpty();
            });
  }

  /** A change that wakes the Peer's reconcile without touching its status. */
  private void touch(String name) {
    client
        .resources(Peer.class)
        .inNamespace(ns)
        .withName(name)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"labels\":{\"touched\":\"yes\"}}}");
  }

  private Peer get(String name) {
    return client.resources(Peer.class).inNamespace(ns).withName(name).get();
  }

  private static Condition condition(Peer peer, String type) {
    if (peer.getStatus() == null) {
      throw new AssertionError("no status yet");
    }
    return Conditions.find(peer.getStatus().getConditions(), type)
        .orElseThrow(() -> new AssertionError("no " + type));
  }
}
