package io.meshfed.operator.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.meshfed.api.agent.AgentFacts;
import io.meshfed.api.v1alpha1.KeyRotationSpec;
import io.meshfed.api.v1alpha1.KeyRotationStatus;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.PathSummary;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.PeerStatus;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.operator.agentapi.Health;
import io.meshfed.operator.ipam.SubnetAllocator;
import io.meshfed.operator.join.AgentSecrets;
import io.meshfed.operator.netmap.PeerPaths;
import io.meshfed.operator.peer.PeerFacts.Access;
import io.meshfed.operator.support.Conditions;
import io.meshfed.operator.testing.TestObjects;
import io.meshfed.provider.spi.Machine;
import io.meshfed.provider.spi.Machine.MachineState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Every transition of the Peer lifecycle as a table of facts → plan, and properties over random
 * facts: never two machines for one attempt, deadlines honoured, Terminating final, deterministic.
 * Time is an argument: no test waits for it.
 */
class PeerLifecycleTest {
  static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
  static final PeerLifecycle.Settings SETTINGS =
      new PeerLifecycle.Settings(
          Duration.ofSeconds(40), // heartbeat grace
          Duration.ofSeconds(5), // provider poll
          Duration.ofSeconds(5), // provider retry initial
          Duration.ofMinutes(5), // provider retry max
          Duration.ofMinutes(10), // launch timeout
          Duration.ofMinutes(15), // join timeout
          Duration.ofSeconds(30), // exhausted recheck
          Duration.ofSeconds(60), // heartbeat status interval
          Duration.ofMinutes(3), // handshake freshness
          Duration.ofSeconds(5)); // counts refresh interval
  static final PeerLifecycle LIFECYCLE = new PeerLifecycle(SETTINGS);
  static final SubnetAllocator.Allocated ADDRESS =
      new SubnetAllocator.Allocated("100.64.3.0/24", "100.64.3.1");
  static final KubernetesSerialization JSON = new KubernetesSerialization();

  // --- the table ---

  @Test
  void aPeerWithoutItsClusterWaitsForIt() {
    PeerPlan plan = decide(facts(peer(ProviderType.LOCAL, null)).withoutCluster());
    assertThat(plan.status().getPhase()).isEqualTo(PeerPhase.PENDING);
    assertCondition(plan, "Ready", "False", "ClusterNotFound");
    assertThat(condition(plan, "Ready").getMessage()).contains("MeshCluster mesh does not exist");
    assertWaits(plan, null);
  }

  @Test
  void aPeerOfATerminatingClusterSaysSo() {
    Facts facts = facts(peer(ProviderType.LOCAL, null));
    facts.cluster.getMetadata().setDeletionTimestamp("2026-12-04T11:00:00Z");
    PeerPlan plan = decide(facts);
    assertCondition(plan, "Ready", "False", "ClusterTerminating");
    assertWaits(plan, null);
  }

  @Test
  void theAddressComesFirst() {
    assertThat(decide(facts(peer(ProviderType.LOCAL, null))).action())
        .isEqualTo(new PeerPlan.TakeSubnet());
  }

  @Test
  void anExhaustedPoolIsPendingAndLooksAgain() {
    PeerPlan plan =
        decide(
            facts(peer(ProviderType.LOCAL, null))
                .with(f -> f.withAddress(new SubnetAllocator.Exhausted(256))));
    assertThat(plan.status().getPhase()).isEqualTo(PeerPhase.PENDING);
    assertCondition(plan, "Ready", "False", "AddressPoolExhausted");
    assertThat(condition(plan, "Ready").getMessage())
        .isEqualTo(
            "all 256 /24 subnets of 100.64.0.0/16 are in use; delete peers or create a"
                + " cluster with a larger network.cidr");
    assertWaits(plan, SETTINGS.exhaustedRecheck());
  }

  @Test
  void aContendedTableIsTriedAgainSoon() {
    PeerPlan plan =
        decide(
            facts(peer(ProviderType.LOCAL, null))
                .with(f -> f.withAddress(new SubnetAllocator.Contended(10))));
    assertWaits(plan, Duration.ofMillis(200));
  }

  @Test
  void aProviderThisOperatorLacksIsNamed() {
    Facts facts = facts(peer(ProviderType.AWS, null)).addressed();
    facts.provider = Optional.empty();
    PeerPlan plan = decide(facts);
    assertThat(plan.status().getPhase()).isEqualTo(PeerPhase.PENDING);
    assertCondition(plan, "Provisioned", "False", "ProviderNotInstalled");
    assertThat(condition(plan, "Provisioned").getMessage())
        .isEqualTo("this operator has no aws provider; it has [local, static]");
    assertThat(plan.status().getSubnet()).isEqualTo("100.64.3.0/24");
  }

  @Test
  void missingCredentialsStopProvisioningBeforeTheCloudHearsOfIt() {
    Facts facts = facts(peer(ProviderType.LOCAL, null)).addressed();
    assertThat(decide(facts).action()).isEqualTo(new PeerPlan.CheckAccess());
    PeerPlan plan = decide(facts.with(f -> f.withAccess(Access.missing("Secret aws is gone"))));
    assertThat(plan.status().getPhase()).isEqualTo(PeerPhase.PENDING);
    assertThat(plan.status().getMachineAttempt()).isNull();
    assertCondition(plan, "Provisioned", "False", "CredentialsNotFound");
    assertCondition(plan, "Ready", "False", "CredentialsNotFound");
    assertWaits(plan, SETTINGS.providerRetryMax());
  }

  @Test
  void theAttemptIsRecordedBeforeTheMachineIsAskedFor() {
    PeerPlan plan = decide(facts(peer(ProviderType.LOCAL, null)).addressed().granted());
    assertThat(plan.action()).isEqualTo(new PeerPlan.Wait());
    assertThat(plan.status().getMachineAttempt()).isEqualTo(1);
    assertThat(plan.status().getMachineRequestedTime()).isEqualTo("2026-12-04T12:00:00Z");
    assertThat(plan.status().getPhase()).isEqualTo(PeerPhase.PROVISIONING);
    assertCondition(plan, "Provisioned", "False", "MachineRequested");
    assertThat(condition(plan, "Provisioned").getMessage())
        .isEqualTo("asking local for a machine (machine 1)");
    assertWaits(plan, Duration.ofMillis(1));
  }

  @Test
  void aRecordedAttemptIsEnsured() {
    Facts facts =
        facts(peer(ProviderType.LOCAL, provisioning(1, NOW.minusSeconds(1)))).addressed().granted();
    assertThat(decide(facts).action()).isEqualTo(new PeerPlan.EnsureMachine(1));
  }

  @Test
  void aPendingMachineIsPolled() {
    PeerPlan plan =
        decide(
            facts(peer(ProviderType.LOCAL, provisioning(1, NOW.minusSeconds(30))))
                .addressed()
                .granted()
                .ensured(MachineState.PENDING));
    assertThat(plan.status().getPhase()).isEqualTo(PeerPhase.PROVISIONING);
    assertThat(plan.status().getProviderID()).isEqualTo("fake:///vm");
    assertThat(plan.status().getAddresses().getPublicAddress()).isEqualTo("198.18.0.9");
    assertCondition(plan, "Provisioned", "False", "MachinePending");
    assertThat(condition(plan, "Ready").getMessage()).isEqualTo("machine fake:///vm is pending");
    assertWaits(plan, SETTINGS.providerPollInterval());
  }

  @Test
  void aRunningMachineWaitsForItsAgentUntilTheJoinDeadline() {
    Instant requested = NOW.minusSeconds(60);
    PeerPlan plan =
        decide(
            facts(peer(ProviderType.LOCAL, provisioning(1, requested)))
                .addressed()
                .granted()
                .ensured(MachineState.RUNNING));
    assertThat(plan.status().getPhase()).isEqualTo(PeerPhase.JOINING);
    assertCondition(plan, "Provisioned", "True", "MachineRunning");
    assertCondition(plan, "Ready", "False", "WaitingForAgent");
    assertCondition(plan, "Joined", "False", "WaitingForAgent");
    assertThat(condition(plan, "Ready").getMessage()).contains("network namespace");
    assertWaits(plan, Duration.between(NOW, requested.plus(SETTINGS.joinTimeout())).plusSeconds(1));
  }

  @Test
  void aMachineThatNeverStartsIsDeletedThenReplaced() {
    PeerStatus stuck = provisioning(1, NOW.minus(SETTINGS.launchTimeout()).minusSeconds(1));
    Facts facts =
        facts(peer(ProviderType.LOCAL, stuck)).addressed().granted().ensured(MachineState.PENDING);
    assertThat(decide(facts).action()).isEqualTo(new PeerPlan.DeleteMachine(1));

    PeerPlan deleting =
        decide(
            facts.with(
                f -> f.withDeleted(new PeerFacts.StillThere(machine(MachineState.STOPPING)))));
    assertThat(deleting.status().getMachineAttempt()).isEqualTo(1);
    assertThat(deleting.status().getPhase()).isEqualTo(PeerPhase.PROVISIONING);
    assertCondition(deleting, "Provisioned", "False", "LaunchTimeout");
    assertThat(condition(deleting, "Provisioned").getMessage())
        .isEqualTo("machine fake:///vm did not start within 10 min; deleting it to make another");
    assertWaits(deleting, SETTINGS.providerPollInterval());

    PeerPlan replaced = decide(facts.with(f -> f.withDeleted(new PeerFacts.Gone())));
    assertThat(replaced.status().getMachineAttempt()).isEqualTo(2);
    assertThat(replaced.status().getMachineRequestedTime()).isEqualTo("2026-12-04T12:00:00Z");
    assertThat(replaced.status().getProviderID()).isNull();
    assertCondition(replaced, "Provisioned", "False", "MachineRequested");
    assertThat(condition(replaced, "Provisioned").getMessage())
        .isEqualTo("machine fake:///vm did not start within 10 min; replacing it (machine 2)");
  }

  @Test
  void aMachineWhoseAgentNeverJoinsIsReplacedAfterTheJoinTimeout() {
    PeerStatus joining = provisioning(1, NOW.minus(SETTINGS.joinTimeout()).minusSeconds(1));
    joining.setPhase(PeerPhase.JOINING);
    joining.setProviderID("fake:///vm");
    Facts facts = facts(peer(ProviderType.LOCAL, joining)).addressed();
    assertThat(decide(facts).action()).isEqualTo(new PeerPlan.CheckAccess());
    assertThat(decide(facts.granted()).action()).isEqualTo(new PeerPlan.DeleteMachine(1));
    PeerPlan replaced = decide(facts.granted().with(f -> f.withDeleted(new PeerFacts.Gone())));
    assertThat(replaced.status().getMachineAttempt()).isEqualTo(2);
    assertThat(condition(replaced, "Provisioned").getMessage())
        .isEqualTo(
            "the agent of machine fake:///vm did not join within 15 min; replacing it (machine 2)");
  }

  @Test
  void aHostYouBringWaitsForItsAgentForever() {
    Facts host = facts(peer(ProviderType.STATIC, null)).addressed().granted();
    assertThat(decide(host).action())
        .as("no attempt to record: nothing is made")
        .isEqualTo(new PeerPlan.EnsureMachine(1));
    PeerPlan plan =
        decide(
            host.with(
                f ->
                    f.withEnsured(
                        new PeerFacts.Ensured(
                            new Machine("static:///h", MachineState.RUNNING, null, null, null)))));
    assertThat(plan.status().getMachineAttempt()).isNull();
    assertCondition(plan, "Provisioned", "True", "NothingToProvision");
    assertThat(condition(plan, "Ready").getMessage()).contains("run the cluster's join command");
    assertWaits(plan, null);
  }

  @Test
  void aRetryableProviderErrorBacksOffAndAPermanentOneFails() {
    Facts facts = facts(peer(ProviderType.LOCAL, provisioning(1, NOW))).addressed().granted();
    PeerPlan retry =
        decide(
            facts.with(
                f -> f.withEnsured(new PeerFacts.ProviderFailed("Throttled", "slow down", true))));
    assertThat(retry.status().getPhase()).isEqualTo(PeerPhase.PENDING);
    assertCondition(retry, "Provisioned", "False", "Throttled");
    assertCondition(retry, "Ready", "False", "Throttled");
    assertThat(retry.recheckAfter().orElseThrow())
        .isBetween(Duration.ofSeconds(5), Duration.ofSeconds(6));

    PeerPlan failed =
        decide(
            facts.with(
                f ->
                    f.withEnsured(
                        new PeerFacts.ProviderFailed("InvalidImage", "no such image", false))));
    assertThat(failed.status().getPhase()).isEqualTo(PeerPhase.FAILED);
    assertCondition(failed, "Ready", "False", "InvalidImage");
    assertWaits(failed, null);
  }

  @Test
  void aRetryableFailureWaitsLongerTheLongerItLasts() {
    PeerStatus status = provisioning(1, NOW.minusSeconds(600));
    status.setConditions(
        List.of(condition("Provisioned", "False", "Throttled", NOW.minusSeconds(120), 1)));
    PeerPlan plan =
        decide(
            facts(peer(ProviderType.LOCAL, status))
                .addressed()
                .granted()
                .with(
                    f ->
                        f.withEnsured(
                            new PeerFacts.ProviderFailed("Throttled", "slow down", true))));
    assertThat(plan.recheckAfter().orElseThrow())
        .isBetween(Duration.ofSeconds(120), Duration.ofSeconds(144));
  }

  @Test
  void aFailedPeerStaysFailedUntilItsSpecChanges() {
    PeerStatus failed = provisioning(1, NOW.minusSeconds(60));
    failed.setPhase(PeerPhase.FAILED);
    failed.setConditions(
        List.of(condition("Provisioned", "False", "InvalidImage", NOW.minusSeconds(60), 1)));
    Facts same = facts(peer(ProviderType.LOCAL, failed)).addressed().granted();
    PeerPlan plan = decide(same);
    assertThat(plan.action()).isEqualTo(new PeerPlan.Wait());
    assertThat(plan.status().getPhase()).isEqualTo(PeerPhase.FAILED);

    Facts edited = facts(peer(ProviderType.LOCAL, failed)).addressed().granted();
    edited.peer.getMetadata().setGeneration(2L);
    assertThat(decide(edited).action()).isEqualTo(new PeerPlan.EnsureMachine(1));
  }

  @Test
  void aJoinedAgentWaitsForItsFirstHeartbeat() {
    PeerPlan plan = decide(joined(Optional.empty()));
    assertThat(plan.status().getPhase()).isEqualTo(PeerPhase.JOINING);
    assertThat(plan.status().getPublicKey()).isEqualTo("key=");
    assertThat(plan.status().getEndpoint()).isEqualTo("198.18.0.9:51820");
    assertThat(plan.status().getCapacity().getCpu().toString()).isEqualTo("2");
    assertCondition(plan, "Joined", "True", "AgentJoined");
    assertCondition(plan, "Ready", "False", "WaitingForHeartbeat");
    assertWaits(plan, SETTINGS.heartbeatGrace());
  }

  @Test
  void aHeartbeatWithinTheGraceIsReadyAndLooksAgainBeforeItGoesStale() {
    PeerPlan plan = decide(joined(Optional.of(NOW.minusSeconds(10))));
    assertThat(plan.status().getPhase()).isEqualTo(PeerPhase.READY);
    assertCondition(plan, "Ready", "True", "PeerReady");
    assertCondition(plan, "MeshReady", "Unknown", "NoAgentData");
    assertThat(plan.status().getAgent().getVersion()).isEqualTo("0.1.0");
    assertThat(plan.status().getAgent().getLastHeartbeatTime()).isEqualTo("2026-12-04T11:59:50Z");
    assertWaits(plan, Duration.ofSeconds(31)); // stale in 30 s, plus a second
  }

  @Test
  void aKeyOlderThanTheClustersIntervalIsAskedToRotateUntilTheAgentDoes() {
    KeyRotationSpec every = new KeyRotationSpec();
    every.setInterval("1h");
    Facts joinedLongAgo = joined(Optional.of(NOW.minusSeconds(10)));
    joinedLongAgo.cluster.getSpec().setKeyRotation(every);
    joinedLongAgo
        .peer
        .getStatus()
        .setConditions(
            List.of(condition("Joined", "True", "AgentJoined", NOW.minusSeconds(3700), 1L)));
    KeyRotationStatus asked = decide(joinedLongAgo).status().getKeyRotation();
    assertThat(asked.getScheduled()).isEqualTo("scheduled-2026-12-04T11:58:20Z");
    assertThat(asked.getRequest()).as("none answered yet").isNull();

    Facts young = joined(Optional.of(NOW.minusSeconds(10)));
    young.cluster.getSpec().setKeyRotation(every);
    young
        .peer
        .getStatus()
        .setConditions(
            List.of(condition("Joined", "True", "AgentJoined", NOW.minusSeconds(1800), 1L)));
    assertThat(decide(young).status().getKeyRotation()).as("half an hour old").isNull();

    // answered a minute ago: the next one falls due in 59 minutes
    Facts rotated = joined(Optional.of(NOW.minusSeconds(10)));
    rotated.cluster.getSpec().setKeyRotation(every);
    rotated.membership =
        Optional.of(
            membership()
                .rotated("key2=", "scheduled-2026-12-04T11:58:20Z", "2026-12-04T11:59:00Z", null));
    KeyRotationStatus done = decide(rotated).status().getKeyRotation();
    assertThat(done.getRequest()).isEqualTo("scheduled-2026-12-04T11:58:20Z");
    assertThat(done.getRotatedAt()).isEqualTo("2026-12-04T11:59:00Z");
    assertThat(done.getScheduled()).isNull();
    assertThat(decide(rotated).status().getPublicKey()).isEqualTo("key2=");

    Facts manual = joined(Optional.of(NOW.minusSeconds(10)));
    assertThat(decide(manual).status().getKeyRotation())
        .as("no schedule, no rotation made: nothing to say")
        .isNull();
  }

  @Test
  void theStateSinceMovesOnlyWithThePhaseNotWithHeartbeats() {
    Facts facts = joined(Optional.of(NOW.minusSeconds(10)));
    PeerPlan ready = decide(facts);
    assertThat(ready.status().getLastPhaseTransitionTime()).isEqualTo("2026-12-04T12:00:00Z");

    // later heartbeats, the phase still Ready: the time stays, and so does the stored status
    facts.peer.setStatus(ready.status());
    Facts later = joined(Optional.of(NOW.plusSeconds(50)));
    later.peer = facts.peer;
    PeerPlan stillReady = LIFECYCLE.decide(later.build(), NOW.plusSeconds(55));
    assertThat(stillReady.status().getPhase()).isEqualTo(PeerPhase.READY);
    assertThat(stillReady.status().getLastPhaseTransitionTime()).isEqualTo("2026-12-04T12:00:00Z");

    // no heartbeat past the grace: NotReady since the decision that saw it
    PeerPlan notReady = LIFECYCLE.decide(later.build(), NOW.plusSeconds(120));
    assertThat(notReady.status().getPhase()).isEqualTo(PeerPhase.NOT_READY);
    assertThat(notReady.status().getLastPhaseTransitionTime()).isEqualTo("2026-12-04T12:02:00Z");
  }

  @Test
  void aMissedHeartbeatIsNotReadyAndItsNextReportWakesThePeer() {
    PeerPlan plan = decide(joined(Optional.of(NOW.minusSeconds(41))));
    assertThat(plan.status().getPhase()).isEqualTo(PeerPhase.NOT_READY);
    assertCondition(plan, "Ready", "False", "HeartbeatMissed");
    assertCondition(plan, "Healthy", "Unknown", "HeartbeatMissed");
    assertWaits(plan, null);
  }

  @Test
  void heartbeatsMissedWhileNoOperatorRanAreForgiven() {
    Facts facts = joined(Optional.of(NOW.minusSeconds(3600)));
    facts.operatorStarted = NOW.minusSeconds(5);
    assertThat(decide(facts).status().getPhase()).isEqualTo(PeerPhase.READY);
  }

  @Test
  void theDataPlaneBecomesMeshReadyAndHealthy() {
    Facts facts = joined(Optional.of(NOW.minusSeconds(1)));
    facts.dataPlane = Optional.of(new Health(2, 2, 2, null, 0, List.of(), 0, List.of()));
    PeerPlan healthy = decide(facts);
    assertCondition(healthy, "MeshReady", "True", "PeersConfigured");
    assertCondition(healthy, "Healthy", "True", "HandshakesRecent");
    assertThat(healthy.status().getHealth()).isEqualTo("Healthy");
    assertThat(healthy.status().getHandshakes().getRecent()).isEqualTo(2);

    facts.dataPlane =
        Optional.of(new Health(2, 1, 1, null, 1, List.of("bravo"), 1, List.of("bravo")));
    PeerPlan unhealthy = decide(facts);
    assertCondition(unhealthy, "MeshReady", "False", "PeersMissing");
    assertCondition(unhealthy, "Healthy", "False", "HandshakesMissing");
    assertThat(condition(unhealthy, "Healthy").getMessage())
        .startsWith("no WireGuard handshake within 180s with: ");
    assertThat(unhealthy.status().getHandshakes().getMissing()).containsExactly("bravo");
  }

  /**
   * 5 000 peers that joined within the same seconds: their refreshes fall between half and one and
   * a half intervals, no tenth of that span holds more than an even share and a half, and on
   * average they come at the base interval — the budget's rate, not a wave at the join rate.
   */
  @Test
  void aFleetThatJoinedTogetherRefreshesSpreadOverAnInterval() {
    Duration base = Duration.ofSeconds(500);
    int peers = 5_000;
    int[] tenths = new int[10];
    long totalMillis = 0;
    for (int i = 0; i < peers; i++) {
      Duration interval = PeerLifecycle.refreshIntervalOf("agent-" + i, base);
      assertThat(interval).isBetween(base.dividedBy(2), base.multipliedBy(3).dividedBy(2));
      tenths[
          (int) Math.min(9, (interval.toMillis() - base.toMillis() / 2) * 10 / base.toMillis())]++;
      totalMillis += interval.toMillis();
    }
    for (int count : tenths) {
      assertThat(count).isLessThan(peers / 10 * 3 / 2);
    }
    assertThat((double) totalMillis / peers)
        .isCloseTo(base.toMillis(), within(base.toMillis() * 0.02));
    assertThat(PeerLifecycle.refreshIntervalOf("agent-7", base))
        .as("the same peer, the same interval")
        .isEqualTo(PeerLifecycle.refreshIntervalOf("agent-7", base));
  }

  @Test
  void countsAloneWaitForTheirIntervalWhileAVerdictIsWrittenAtOnce() {
    Facts facts = joined(Optional.of(NOW.minusSeconds(1)));
    facts.dataPlane = Optional.of(new Health(2, 2, 2, null, 0, List.of(), 0, List.of()));
    PeerPlan written = decide(facts);
    facts.peer.setStatus(written.status());

    // a third peer joined elsewhere: the counts change, the verdict does not
    facts.dataPlane = Optional.of(new Health(3, 3, 3, null, 0, List.of(), 0, List.of()));
    facts.heartbeat = Optional.of(NOW.plusSeconds(2));
    assertThat(JSON.asJson(LIFECYCLE.decide(facts.build(), NOW.plusSeconds(2)).status()))
        .as("within the counts interval (5 s): as written")
        .isEqualTo(JSON.asJson(written.status()));
    facts.heartbeat = Optional.of(NOW.plusSeconds(9));
    PeerStatus later = LIFECYCLE.decide(facts.build(), NOW.plusSeconds(9)).status();
    assertThat(later.getHandshakes().getExpected()).isEqualTo(3);
    assertThat(later.getAgent().getLastHeartbeatTime())
        .as("the heartbeat goes with the counts")
        .isEqualTo(Conditions.timestamp(NOW.plusSeconds(9)));

    // a peer that stops answering is a verdict: at once
    facts.dataPlane = Optional.of(new Health(2, 2, 1, null, 1, List.of("bravo"), 0, List.of()));
    facts.heartbeat = Optional.of(NOW.plusSeconds(3));
    PeerPlan broken = LIFECYCLE.decide(facts.build(), NOW.plusSeconds(3));
    assertCondition(broken, "Healthy", "False", "HandshakesMissing");
  }

  @Test
  void thePathSummarySaysWhichPeersAreDirectRelayedAndUnreachableAndWhy() {
    Facts facts = joined(Optional.of(NOW.minusSeconds(1)));
    // four peers: two with a recent direct handshake, one through gw, one with no path
    facts.dataPlane = Optional.of(new Health(3, 3, 2, null, 1, List.of("delta"), 0, List.of()));
    facts.paths =
        new PeerPaths(
            new TreeMap<>(Map.of("charlie", "gw")),
            new TreeMap<>(Map.of("delta", "alpha and delta have no direct path and no gateway")),
            2,
            List.of("198.19.0.9:51820"));
    PathSummary paths = decide(facts).status().getPaths();
    assertThat(paths.getDirect()).isEqualTo(2);
    assertThat(paths.getRelayed()).isEqualTo(1);
    assertThat(paths.getUnreachable()).isEqualTo(1);
    assertThat(paths.getRelayedPeers())
        .extracting(PathSummary.Link::getPeer, PathSummary.Link::getVia)
        .containsExactly(tuple("charlie", "gw"));
    assertThat(paths.getUnreachablePeers())
        .extracting(PathSummary.Link::getPeer, PathSummary.Link::getReason)
        .containsExactly(tuple("delta", "alpha and delta have no direct path and no gateway"));
    assertThat(paths.getRelaying()).isEqualTo(2);
    assertThat(paths.getObservedEndpoints()).containsExactly("198.19.0.9:51820");

    // a missing handshake the planner has no word on yet says just that
    facts.paths = PeerPaths.NONE;
    assertThat(decide(facts).status().getPaths().getUnreachablePeers())
        .extracting(PathSummary.Link::getReason)
        .containsExactly("no recent WireGuard handshake");
  }

  @Test
  void teardownDeletesTheMachineThenReleasesTheAddressThenFinishes() {
    Facts facts = facts(peer(ProviderType.LOCAL, provisioning(1, NOW))).deleting();
    PeerPlan first = decide(facts);
    assertThat(first.status().getPhase()).isEqualTo(PeerPhase.TERMINATING);
    assertThat(first.action()).isEqualTo(new PeerPlan.DeleteMachine(1));
    assertWaits(
        decide(
            facts.with(
                f -> f.withDeleted(new PeerFacts.StillThere(machine(MachineState.STOPPING))))),
        SETTINGS.providerPollInterval());
    assertWaits(
        decide(
            facts.with(f -> f.withDeleted(new PeerFacts.ProviderFailed("Throttled", "x", true)))),
        SETTINGS.providerRetryInitial());
    Facts gone = facts.with(f -> f.withDeleted(new PeerFacts.Gone()));
    assertThat(decide(gone).action()).isEqualTo(new PeerPlan.ReleaseSubnet());
    assertWaits(decide(gone.with(f -> f.withReleased(false))), Duration.ofMillis(200));
    assertThat(decide(gone.with(f -> f.withReleased(true))).action())
        .isEqualTo(new PeerPlan.Finish());
  }

  @Test
  void aTeardownTheCloudRefusesSaysWhyAndWhatToDo() {
    Facts facts = facts(peer(ProviderType.LOCAL, provisioning(1, NOW))).deleting();
    PeerPlan refused =
        decide(
            facts.with(
                f ->
                    f.withDeleted(
                        new PeerFacts.ProviderFailed(
                            "Unavailable", "the cloud answered 503", true))));
    assertCondition(refused, "Ready", "False", "MachineDeletionFailed");
    assertThat(condition(refused, "Ready").getMessage())
        .contains("Unavailable: the cloud answered 503")
        .endsWith("trying again");
    PeerPlan noCredentials =
        decide(
            facts.with(
                f -> f.withDeleted(new PeerFacts.NoCredentials("Secret aws does not exist"))));
    assertCondition(noCredentials, "Ready", "False", "CredentialsNotFound");
    assertThat(condition(noCredentials, "Ready").getMessage())
        .contains("Secret aws does not exist")
        .contains("restore the Secret");
    assertCondition(
        decide(
            facts.with(
                f -> f.withDeleted(new PeerFacts.StillThere(machine(MachineState.STOPPING))))),
        "Ready",
        "False",
        "DeletingMachine");
  }

  @Test
  void teardownWithoutClusterOrProviderSkipsWhatItCannotDo() {
    Facts facts = facts(peer(ProviderType.AWS, null)).deleting().withoutCluster();
    facts.provider = Optional.empty();
    assertThat(decide(facts).action()).isEqualTo(new PeerPlan.Finish());
  }

  // --- properties over random facts ---

  @Test
  void propertiesHoldForRandomFacts() {
    Random random = new Random(20261204);
    for (int trial = 0; trial < 3000; trial++) {
      Facts facts = randomFacts(random);
      PeerFacts observed = facts.build();
      List<PeerPlan.Action> actions = new ArrayList<>();
      PeerFacts current = observed;
      PeerPlan plan;
      while (true) {
        plan = LIFECYCLE.decide(current, NOW);
        assertThat(JSON.asJson(LIFECYCLE.decide(current, NOW).status()))
            .as("deterministic")
            .isEqualTo(JSON.asJson(plan.status()));
        if (plan.isFinal()) {
          break;
        }
        assertThat(actions)
            .as("each action at most once per reconcile")
            .doesNotContain(plan.action());
        actions.add(plan.action());
        assertThat(actions).hasSizeLessThanOrEqualTo(5);
        current = answer(plan, current, random);
      }
      String context =
          "trial " + trial + " " + JSON.asJson(observed.peer()) + " actions " + actions;
      PeerStatus stored = observed.peer().getStatus();
      Integer storedAttempt = stored == null ? null : stored.getMachineAttempt();
      Integer nextAttempt = plan.status().getMachineAttempt();

      // never two machines for one attempt: the cloud hears only of an attempt already stored,
      // and a new attempt follows only a machine the cloud says is gone
      for (PeerPlan.Action action : actions) {
        if (action instanceof PeerPlan.EnsureMachine ensure && !facts.isStatic()) {
          assertThat(storedAttempt).as(context).isEqualTo(ensure.attempt());
        }
      }
      if (!observed.peer().isMarkedForDeletion()
          && storedAttempt != null
          && !storedAttempt.equals(nextAttempt)) {
        assertThat(nextAttempt).as(context).isEqualTo(storedAttempt + 1);
        assertThat(current.deleted()).as(context).isInstanceOf(PeerFacts.Gone.class);
      }

      // Terminating is final, and teardown never makes anything
      if (observed.peer().isMarkedForDeletion()) {
        assertThat(plan.status().getPhase()).as(context).isEqualTo(PeerPhase.TERMINATING);
        assertThat(actions)
            .as(context)
            .noneMatch(
                a ->
                    a instanceof PeerPlan.EnsureMachine
                        || a instanceof PeerPlan.TakeSubnet
                        || a instanceof PeerPlan.CheckAccess);
      }

      // deadlines: a machine peer waiting for its agent is looked at again by its join deadline
      if (!observed.peer().isMarkedForDeletion()
          && plan.status().getPhase() == PeerPhase.JOINING
          && !facts.isStatic()
          && observed.membership().isEmpty()
          && current.address() instanceof SubnetAllocator.Allocated
          && (current.access() == null || current.access().missingCredentials().isEmpty())
          && plan.status().getMachineRequestedTime() != null) {
        Instant deadline =
            Instant.parse(plan.status().getMachineRequestedTime()).plus(SETTINGS.joinTimeout());
        assertThat(plan.recheckAfter()).as(context).isPresent();
        Instant next = NOW.plus(plan.recheckAfter().get());
        assertThat(next)
            .as(context)
            .isBeforeOrEqualTo((deadline.isAfter(NOW) ? deadline : NOW).plusSeconds(1));
      }
      // and one past its launch or join deadline is replaced, unless it cannot be
      if (!observed.peer().isMarkedForDeletion()
          && !facts.isStatic()
          && storedAttempt != null
          && stored.getMachineRequestedTime() != null
          && observed.membership().isEmpty()
          && stored.getPhase() != PeerPhase.FAILED
          && Instant.parse(stored.getMachineRequestedTime())
              .plus(SETTINGS.launchTimeout())
              .isBefore(NOW)
          && !(current.ensured() instanceof PeerFacts.Ensured e
              && e.machine().state() == MachineState.RUNNING
              && !Instant.parse(stored.getMachineRequestedTime())
                  .plus(SETTINGS.joinTimeout())
                  .isBefore(NOW))
          && current.access() != null
          && current.access().missingCredentials().isEmpty()
          && current.ensured() instanceof PeerFacts.Ensured
          && current.address() instanceof SubnetAllocator.Allocated) {
        assertThat(actions).as(context).contains(new PeerPlan.DeleteMachine(storedAttempt));
      }
      // the phase's transition time moves with the phase, and only then
      PeerPhase storedPhase = stored == null ? null : stored.getPhase();
      if (stored != null
          && plan.status().getPhase() == storedPhase
          && stored.getLastPhaseTransitionTime() != null) {
        assertThat(plan.status().getLastPhaseTransitionTime())
            .as(context)
            .isEqualTo(stored.getLastPhaseTransitionTime());
      } else {
        assertThat(plan.status().getLastPhaseTransitionTime())
            .as(context)
            .isEqualTo(Conditions.timestamp(NOW));
      }
      // conditions follow the conventions
      if (!observed.peer().isMarkedForDeletion()) {
        assertThat(plan.status().getObservedGeneration())
            .isEqualTo(observed.peer().getMetadata().getGeneration());
        for (Condition c : plan.status().getConditions()) {
          assertThat(c.getStatus()).isIn("True", "False", "Unknown");
          assertThat(c.getReason()).matches("[A-Z][A-Za-z]+");
          assertThat(c.getLastTransitionTime()).isNotNull();
        }
      }
    }
  }

  /** A world that answers each action at random, as clouds and the API server may. */
  private static PeerFacts answer(PeerPlan plan, PeerFacts facts, Random random) {
    PeerPlan.Action action = plan.action();
    if (action instanceof PeerPlan.TakeSubnet) {
      return facts.withAddress(
          switch (random.nextInt(6)) {
            case 0 -> new SubnetAllocator.Exhausted(256);
            case 1 -> new SubnetAllocator.Contended(10);
            default -> ADDRESS;
          });
    }
    if (action instanceof PeerPlan.CheckAccess) {
      return facts.withAccess(
          random.nextInt(6) == 0 ? Access.missing("no Secret") : Access.granted());
    }
    if (action instanceof PeerPlan.EnsureMachine) {
      return facts.withEnsured(
          switch (random.nextInt(8)) {
            case 0 -> new PeerFacts.ProviderFailed("Throttled", "slow down", true);
            case 1 -> new PeerFacts.ProviderFailed("InvalidImage", "no", false);
            case 2 -> new PeerFacts.NoCredentials("gone");
            case 3, 4 -> new PeerFacts.Ensured(machine(MachineState.PENDING));
            default -> new PeerFacts.Ensured(machine(MachineState.RUNNING));
          });
    }
    if (action instanceof PeerPlan.DeleteMachine) {
      return facts.withDeleted(
          switch (random.nextInt(4)) {
            case 0 -> new PeerFacts.StillThere(machine(MachineState.STOPPING));
            case 1 -> new PeerFacts.ProviderFailed("Throttled", "slow down", true);
            default -> new PeerFacts.Gone();
          });
    }
    if (action instanceof PeerPlan.ReleaseSubnet) {
      return facts.withReleased(random.nextInt(4) != 0);
    }
    throw new AssertionError("unexpected " + action);
  }

  private static Facts randomFacts(Random random) {
    ProviderType provider = random.nextInt(4) == 0 ? ProviderType.STATIC : ProviderType.LOCAL;
    PeerStatus status = null;
    if (random.nextInt(6) != 0) {
      status = new PeerStatus();
      PeerPhase[] phases = PeerPhase.values();
      status.setPhase(phases[random.nextInt(phases.length)]);
      if (provider != ProviderType.STATIC && random.nextInt(4) != 0) {
        status.setMachineAttempt(1 + random.nextInt(3));
        status.setMachineRequestedTime(
            Conditions.timestamp(NOW.minusSeconds(random.nextInt(2400))));
        status.setProviderID(random.nextBoolean() ? "fake:///vm" : null);
      }
      if (random.nextBoolean()) {
        status.setConditions(
            List.of(
                condition(
                    "Provisioned",
                    "False",
                    random.nextBoolean() ? "Throttled" : "InvalidImage",
                    NOW.minusSeconds(random.nextInt(900)),
                    1 + random.nextInt(2))));
      }
    }
    Facts facts = facts(peer(provider, status));
    if (random.nextInt(10) == 0) {
      facts.cluster = null;
    }
    if (random.nextInt(8) == 0) {
      facts.peer.getMetadata().setDeletionTimestamp("2026-12-04T11:59:00Z");
    }
    if (random.nextInt(12) == 0) {
      facts.provider = Optional.empty();
    }
    if (random.nextBoolean()) {
      facts.membership = Optional.of(membership());
      if (random.nextBoolean()) {
        facts.heartbeat = Optional.of(NOW.minusSeconds(random.nextInt(90)));
      }
    }
    facts.peer.getMetadata().setGeneration(1L + random.nextInt(2));
    return facts;
  }

  // --- helpers ---

  /** Mutable facts for a table row; {@link #build} makes the record. */
  static final class Facts {
    Peer peer;
    MeshCluster cluster = cluster();
    Optional<String> provider;
    Instant operatorStarted = NOW.minusSeconds(3600);
    Optional<AgentSecrets.Membership> membership = Optional.empty();
    Optional<Instant> heartbeat = Optional.empty();
    Optional<Health> dataPlane = Optional.empty();
    PeerPaths paths = PeerPaths.NONE;
    List<UnaryOperator<PeerFacts>> outcomes = new ArrayList<>();

    Facts with(UnaryOperator<PeerFacts> outcome) {
      Facts copy = new Facts();
      copy.peer = peer;
      copy.cluster = cluster;
      copy.provider = provider;
      copy.operatorStarted = operatorStarted;
      copy.membership = membership;
      copy.heartbeat = heartbeat;
      copy.dataPlane = dataPlane;
      copy.paths = paths;
      copy.outcomes = new ArrayList<>(outcomes);
      copy.outcomes.add(outcome);
      return copy;
    }

    Facts addressed() {
      return with(f -> f.withAddress(ADDRESS));
    }

    Facts granted() {
      return with(f -> f.withAccess(Access.granted()));
    }

    Facts ensured(MachineState state) {
      return with(f -> f.withEnsured(new PeerFacts.Ensured(machine(state))));
    }

    Facts withoutCluster() {
      cluster = null;
      return this;
    }

    Facts deleting() {
      peer.getMetadata().setDeletionTimestamp("2026-12-04T11:59:00Z");
      return this;
    }

    boolean isStatic() {
      return peer.getSpec().getProvider() == ProviderType.STATIC;
    }

    PeerFacts build() {
      PeerFacts facts =
          PeerFacts.observed(
              peer,
              Optional.ofNullable(cluster),
              provider,
              List.of("local", "static"),
              operatorStarted,
              membership,
              heartbeat,
              dataPlane,
              paths);
      for (var outcome : outcomes) {
        facts = outcome.apply(facts);
      }
      return facts;
    }
  }

  static Facts facts(Peer peer) {
    Facts facts = new Facts();
    facts.peer = peer;
    facts.provider =
        Optional.of(peer.getSpec().getProvider() == ProviderType.STATIC ? "static" : "local");
    return facts;
  }

  static Facts joined(Optional<Instant> heartbeat) {
    PeerStatus status = provisioning(1, NOW.minusSeconds(120));
    status.setPhase(PeerPhase.JOINING);
    Facts facts = facts(peer(ProviderType.LOCAL, status)).addressed();
    facts.membership = Optional.of(membership());
    facts.heartbeat = heartbeat;
    return facts;
  }

  static AgentSecrets.Membership membership() {
    return new AgentSecrets.Membership(
        "hash",
        "key=",
        List.of("198.18.0.9:51820"),
        new AgentFacts(2, 4L << 30, "linux", "amd64", "0.1.0", "vm"));
  }

  static Peer peer(ProviderType provider, PeerStatus status) {
    Peer peer = TestObjects.peer("ns", "vm", "mesh", provider);
    peer.getMetadata().setUid("uid-vm");
    peer.getMetadata().setGeneration(1L);
    peer.setStatus(status);
    return peer;
  }

  static MeshCluster cluster() {
    MeshCluster cluster = TestObjects.cluster("ns", "mesh", "100.64.0.0/16", 24);
    cluster.getMetadata().setUid("uid-mesh");
    return cluster;
  }

  static PeerStatus provisioning(int attempt, Instant requested) {
    PeerStatus status = new PeerStatus();
    status.setPhase(PeerPhase.PROVISIONING);
    status.setMachineAttempt(attempt);
    status.setMachineRequestedTime(Conditions.timestamp(requested));
    return status;
  }

  static Machine machine(MachineState state) {
    return new Machine("fake:///vm", state, "198.18.0.9", "10.0.0.9", null);
  }

  static Condition condition(
      String type, String status, String reason, Instant since, long generation) {
    Condition condition = new Condition();
    condition.setType(type);
    condition.setStatus(status);
    condition.setReason(reason);
    condition.setMessage("m");
    condition.setLastTransitionTime(Conditions.timestamp(since));
    condition.setObservedGeneration(generation);
    return condition;
  }

  private static PeerPlan decide(Facts facts) {
    return LIFECYCLE.decide(facts.build(), NOW);
  }

  private static Condition condition(PeerPlan plan, String type) {
    return Conditions.find(plan.status().getConditions(), type)
        .orElseThrow(
            () -> new AssertionError("no " + type + " in " + plan.status().getConditions()));
  }

  private static void assertCondition(PeerPlan plan, String type, String status, String reason) {
    Condition condition = condition(plan, type);
    assertThat(condition.getStatus()).as(type + " " + condition.getMessage()).isEqualTo(status);
    assertThat(condition.getReason()).as(type + " " + condition.getMessage()).isEqualTo(reason);
  }

  private static void assertWaits(PeerPlan plan, Duration recheck) {
    assertThat(plan.action()).isEqualTo(new PeerPlan.Wait());
    assertThat(plan.recheckAfter()).isEqualTo(Optional.ofNullable(recheck));
  }
}
