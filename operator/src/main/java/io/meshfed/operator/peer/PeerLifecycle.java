package io.meshfed.operator.peer;

import static io.meshfed.operator.peer.PeerConditions.ADDRESS_POOL_EXHAUSTED;
import static io.meshfed.operator.peer.PeerConditions.AGENT_JOINED;
import static io.meshfed.operator.peer.PeerConditions.CLUSTER_NOT_FOUND;
import static io.meshfed.operator.peer.PeerConditions.CLUSTER_TERMINATING;
import static io.meshfed.operator.peer.PeerConditions.CREDENTIALS_NOT_FOUND;
import static io.meshfed.operator.peer.PeerConditions.DELETING_MACHINE;
import static io.meshfed.operator.peer.PeerConditions.HANDSHAKES_MISSING;
import static io.meshfed.operator.peer.PeerConditions.HANDSHAKES_RECENT;
import static io.meshfed.operator.peer.PeerConditions.HEALTHY;
import static io.meshfed.operator.peer.PeerConditions.HEARTBEAT_MISSED;
import static io.meshfed.operator.peer.PeerConditions.JOINED;
import static io.meshfed.operator.peer.PeerConditions.JOIN_TIMEOUT;
import static io.meshfed.operator.peer.PeerConditions.LAUNCH_TIMEOUT;
import static io.meshfed.operator.peer.PeerConditions.MACHINE_DELETION_FAILED;
import static io.meshfed.operator.peer.PeerConditions.MACHINE_PENDING;
import static io.meshfed.operator.peer.PeerConditions.MACHINE_REQUESTED;
import static io.meshfed.operator.peer.PeerConditions.MACHINE_RUNNING;
import static io.meshfed.operator.peer.PeerConditions.MESH_READY;
import static io.meshfed.operator.peer.PeerConditions.NOTHING_TO_PROVISION;
import static io.meshfed.operator.peer.PeerConditions.NO_AGENT_DATA;
import static io.meshfed.operator.peer.PeerConditions.NO_PEERS_TO_REACH;
import static io.meshfed.operator.peer.PeerConditions.PEERS_CONFIGURED;
import static io.meshfed.operator.peer.PeerConditions.PEERS_MISSING;
import static io.meshfed.operator.peer.PeerConditions.PEER_READY;
import static io.meshfed.operator.peer.PeerConditions.PROVIDER_NOT_INSTALLED;
import static io.meshfed.operator.peer.PeerConditions.PROVISIONED;
import static io.meshfed.operator.peer.PeerConditions.READY;
import static io.meshfed.operator.peer.PeerConditions.WAITING_FOR_AGENT;
import static io.meshfed.operator.peer.PeerConditions.WAITING_FOR_HEARTBEAT;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.meshfed.api.agent.AgentFacts;
import io.meshfed.api.v1alpha1.AgentStatus;
import io.meshfed.api.v1alpha1.Durations;
import io.meshfed.api.v1alpha1.HandshakeSummary;
import io.meshfed.api.v1alpha1.KeyRotationStatus;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.PathSummary;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerAddresses;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.PeerStatus;
import io.meshfed.api.v1alpha1.ResourceAmounts;
import io.meshfed.operator.agentapi.Health;
import io.meshfed.operator.agentapi.HeartbeatCadence;
import io.meshfed.operator.config.MeshfedConfig;
import io.meshfed.operator.ipam.SubnetAllocator;
import io.meshfed.operator.ipam.SubnetPlan;
import io.meshfed.operator.join.AgentSecrets;
import io.meshfed.operator.netmap.PeerPaths;
import io.meshfed.operator.peer.PeerFacts.Ensured;
import io.meshfed.operator.peer.PeerFacts.NoCredentials;
import io.meshfed.operator.peer.PeerFacts.ProviderFailed;
import io.meshfed.operator.peer.PeerFacts.StillThere;
import io.meshfed.operator.peer.PeerPlan.Action;
import io.meshfed.operator.support.Conditions;
import io.meshfed.provider.spi.Machine;
import io.meshfed.provider.spi.StaticMachineProvider;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The Peer's lifecycle as one pure decision: Pending → Provisioning → Joining → Ready ⇄ NotReady →
 * Terminating (Failed on a permanent provider error). {@link #decide} takes the facts and the time
 * and returns the status to show and the next action; it reads no clock and does no I/O, so every
 * transition is tested as a table and time moves in tests by passing another {@code now}.
 *
 * <p>Rules that keep a crash at any line harmless: a machine's attempt number is recorded in the
 * stored status before the cloud hears of it (the attempt is its idempotency key), and the next
 * attempt is asked for only once the cloud says the previous machine is gone.
 */
public final class PeerLifecycle {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  /** How soon to try again when another writer held the address table. */
  static final Duration CONTENDED_RECHECK = Duration.ofMillis(200);

  /** Names of rotations the cluster's schedule asks for: the prefix, then when they fell due. */
  public static final String SCHEDULED_PREFIX = "scheduled-";

  static Duration rotationInterval(MeshCluster cluster) {
    if (cluster == null
        || cluster.getSpec().getKeyRotation() == null
        || cluster.getSpec().getKeyRotation().getInterval() == null) {
      return Duration.ZERO;
    }
    return Durations.parse(cluster.getSpec().getKeyRotation().getInterval());
  }

  /** How soon to make the machine whose intent was just recorded. */
  static final Duration REQUESTED_RECHECK = Duration.ofMillis(1);

  /** The timings the lifecycle works with. */
  public record Settings(
      Duration heartbeatGrace,
      Duration providerPollInterval,
      Duration providerRetryInitial,
      Duration providerRetryMax,
      Duration launchTimeout,
      Duration joinTimeout,
      Duration exhaustedRecheck,
      Duration heartbeatStatusInterval,
      Duration handshakeFreshness,
      Duration countsRefreshInterval) {

    public static Settings of(MeshfedConfig config) {
      MeshfedConfig.Peer peer = config.peer();
      return new Settings(
          peer.heartbeatGrace(),
          peer.providerPollInterval(),
          peer.providerRetryInitial(),
          peer.providerRetryMax(),
          peer.launchTimeout(),
          peer.joinTimeout(),
          config.ipam().exhaustedRecheckInterval(),
          config.agentApi().heartbeatStatusInterval(),
          config.agentApi().handshakeFreshness(),
          HeartbeatCadence.COUNTS_FLOOR);
    }
  }

  private final Settings settings;

  public PeerLifecycle(Settings settings) {
    this.settings = settings;
  }

  public Settings settings() {
    return settings;
  }

  /**
   * The same lifecycle at the fleet's cadence: a peer NotReady after {@code grace} of silence, a
   * Ready peer's heartbeat refreshed in status every {@code heartbeat}, and its counts, when only
   * they changed, at most every {@code counts}.
   */
  public PeerLifecycle withCadence(Duration grace, Duration heartbeat, Duration counts) {
    return grace.equals(settings.heartbeatGrace())
            && heartbeat.equals(settings.heartbeatStatusInterval())
            && counts.equals(settings.countsRefreshInterval())
        ? this
        : new PeerLifecycle(
            new Settings(
                grace,
                settings.providerPollInterval(),
                settings.providerRetryInitial(),
                settings.providerRetryMax(),
                settings.launchTimeout(),
                settings.joinTimeout(),
                settings.exhaustedRecheck(),
                heartbeat,
                settings.handshakeFreshness(),
                counts));
  }

  /** The status to show and the next action, from the facts alone. */
  public PeerPlan decide(PeerFacts facts, Instant now) {
    Peer peer = facts.peer();
    PeerStatus status =
        peer.getStatus() == null ? new PeerStatus() : SERIALIZATION.clone(peer.getStatus());
    if (peer.isMarkedForDeletion()) {
      Conditions conditions =
          new Conditions(status.getConditions(), peer.getMetadata().getGeneration(), now);
      PeerPlan plan = new Teardown(facts, status, conditions).decide();
      status.setConditions(conditions.build());
      stampPhaseTransition(peer.getStatus(), status, now);
      return plan;
    }
    status.setObservedGeneration(peer.getMetadata().getGeneration());
    Conditions conditions =
        new Conditions(status.getConditions(), peer.getMetadata().getGeneration(), now);
    Step step = new Decision(facts, status, conditions, now).decide();
    status.setConditions(conditions.build());
    stampPhaseTransition(peer.getStatus(), status, now);
    return new PeerPlan(status, step.action(), step.recheckAfter());
  }

  /**
   * The phase's transition time moves only when the phase does: "Ready since 14m" stays true
   * between heartbeats without a write for each (kubectl get peers shows it as SINCE).
   */
  private static void stampPhaseTransition(PeerStatus before, PeerStatus after, Instant now) {
    PeerPhase previous = before == null ? null : before.getPhase();
    if (after.getPhase() != previous || after.getLastPhaseTransitionTime() == null) {
      after.setLastPhaseTransitionTime(Conditions.timestamp(now));
    }
  }

  /** One step: an action, and when to look again. */
  private record Step(Action action, Optional<Duration> recheckAfter) {
    static Step done() {
      return new Step(new PeerPlan.Wait(), Optional.empty());
    }

    static Step recheck(Duration after) {
      return new Step(new PeerPlan.Wait(), Optional.of(after));
    }

    static Step act(Action action) {
      return new Step(action, Optional.empty());
    }

    boolean acts() {
      return !(action instanceof PeerPlan.Wait);
    }
  }

  /**
   * A deleted Peer: machine deleted and gone, then the subnet released, then done. While the cloud
   * refuses, Ready says why (the cluster's deletion shows it too).
   */
  private final class Teardown {
    private final PeerFacts facts;
    private final PeerStatus status;
    private final Conditions conditions;

    Teardown(PeerFacts facts, PeerStatus status, Conditions conditions) {
      this.facts = facts;
      this.status = status;
      this.conditions = conditions;
    }

    PeerPlan decide() {
      status.setPhase(PeerPhase.TERMINATING); // final: nothing below turns it back
      if (facts.provider().isPresent()) {
        if (facts.deleted() == null) {
          return plan(Step.act(new PeerPlan.DeleteMachine(attempt(status))));
        }
        if (facts.deleted() instanceof StillThere) {
          conditions.set(
              READY,
              false,
              DELETING_MACHINE,
              "the peer is being deleted: waiting for the cloud to remove machine "
                  + status.getProviderID());
          return plan(Step.recheck(settings.providerPollInterval()));
        }
        if (facts.deleted() instanceof ProviderFailed failed) {
          conditions.set(
              READY,
              false,
              MACHINE_DELETION_FAILED,
              "deleting machine "
                  + status.getProviderID()
                  + " failed: "
                  + failed.reason()
                  + ": "
                  + failed.message()
                  + "; trying again");
          return plan(Step.recheck(settings.providerRetryInitial()));
        }
        if (facts.deleted() instanceof NoCredentials missing) {
          conditions.set(
              READY,
              false,
              CREDENTIALS_NOT_FOUND,
              "cannot delete machine "
                  + status.getProviderID()
                  + ": "
                  + missing.message()
                  + "; restore the Secret, or delete the machine by hand and remove this"
                  + " Peer's finalizer");
          return plan(Step.recheck(settings.providerRetryInitial()));
        }
      }
      if (facts.cluster().isPresent()) {
        if (facts.released() == null) {
          return plan(Step.act(new PeerPlan.ReleaseSubnet()));
        }
        if (!facts.released()) {
          return plan(Step.recheck(CONTENDED_RECHECK));
        }
      }
      return plan(Step.act(new PeerPlan.Finish()));
    }

    private PeerPlan plan(Step step) {
      return new PeerPlan(status, step.action(), step.recheckAfter());
    }
  }

  /** One decision for a live Peer; lives for one {@link #decide} call. */
  private final class Decision {
    private final PeerFacts facts;
    private final Peer peer;
    private final PeerStatus status;
    private final Conditions conditions;
    private final Instant now;

    Decision(PeerFacts facts, PeerStatus status, Conditions conditions, Instant now) {
      this.facts = facts;
      this.peer = facts.peer();
      this.status = status;
      this.conditions = conditions;
      this.now = now;
    }

    Step decide() {
      if (facts.cluster().isEmpty()) {
        status.setPhase(PeerPhase.PENDING);
        notReady(
            CLUSTER_NOT_FOUND,
            "MeshCluster "
                + clusterName(peer)
                + " does not exist in namespace "
                + peer.getMetadata().getNamespace()
                + "; create it, or fix spec.clusterRef");
        return Step.done(); // the cluster informer wakes the reconciler when it appears
      }
      MeshCluster cluster = facts.cluster().get();
      if (cluster.isMarkedForDeletion()) {
        notReady(CLUSTER_TERMINATING, "MeshCluster " + clusterName(peer) + " is being deleted");
        return Step.done();
      }

      // 1. an address: the allocation is recorded in the API before status shows it
      if (facts.address() == null) {
        return Step.act(new PeerPlan.TakeSubnet());
      }
      if (facts.address() instanceof SubnetAllocator.Exhausted exhausted) {
        if (status.getPhase() == null) {
          status.setPhase(PeerPhase.PENDING);
        }
        SubnetPlan plan = SubnetAllocator.planOf(cluster);
        notReady(
            ADDRESS_POOL_EXHAUSTED,
            "all "
                + exhausted.poolSize()
                + " /"
                + plan.peerPrefix()
                + " subnets of "
                + cluster.getSpec().getNetwork().getCidr()
                + " are in use; delete peers or create a cluster with a larger network.cidr");
        return Step.recheck(settings.exhaustedRecheck());
      }
      if (facts.address() instanceof SubnetAllocator.Contended) {
        return Step.recheck(CONTENDED_RECHECK);
      }
      SubnetAllocator.Allocated allocated = (SubnetAllocator.Allocated) facts.address();
      status.setSubnet(allocated.subnet());
      status.setMeshAddress(allocated.meshAddress());

      // 2. a machine
      if (facts.provider().isEmpty()) {
        status.setPhase(PeerPhase.PENDING);
        conditions.set(
            PROVISIONED,
            false,
            PROVIDER_NOT_INSTALLED,
            "this operator has no "
                + peer.getSpec().getProvider()
                + " provider; it has "
                + facts.installedProviders());
        notReady(
            PROVIDER_NOT_INSTALLED,
            "no machine: provider " + peer.getSpec().getProvider() + " is not installed");
        return Step.done();
      }
      PeerPhase phase = status.getPhase();
      if (phase == null
          || phase == PeerPhase.PENDING
          || phase == PeerPhase.PROVISIONING
          || (phase == PeerPhase.FAILED && !failedAtThisGeneration())) {
        Step provisioning = provision();
        if (provisioning.acts()) {
          return provisioning;
        }
        if (provisioning.recheckAfter().isPresent() || status.getPhase() == PeerPhase.FAILED) {
          repeatProvisionedInReady();
          return provisioning;
        }
      }
      if (status.getPhase() == PeerPhase.FAILED) {
        return Step.done(); // waits for a spec change
      }

      // a machine whose agent never came is replaced (hosts people bring wait for them instead)
      boolean waitsForMachineAgent = makesMachines() && facts.membership().isEmpty();
      if (waitsForMachineAgent && timedOut(settings.joinTimeout())) {
        if (facts.access() == null) {
          return Step.act(new PeerPlan.CheckAccess());
        }
        if (facts.access().missingCredentials().isPresent()) {
          conditions.set(
              PROVISIONED, false, CREDENTIALS_NOT_FOUND, facts.access().missingCredentials().get());
          return Step.recheck(settings.providerRetryMax());
        }
        Step replacing =
            replace(
                JOIN_TIMEOUT,
                "the agent of machine "
                    + status.getProviderID()
                    + " did not join within "
                    + settings.joinTimeout().toMinutes()
                    + " min");
        if (!replacing.acts()) {
          repeatProvisionedInReady();
        }
        return replacing;
      }

      // 3. the agent: its membership (written at join), its heartbeat, its view of the data plane
      Step agent = agent();
      if (waitsForMachineAgent
          && status.getMachineRequestedTime() != null
          && agent.recheckAfter().isEmpty()) {
        // nothing else wakes a Peer whose agent never comes: look again at its join deadline
        Duration untilDeadline =
            Duration.between(now, requestedAt().plus(settings.joinTimeout())).plusSeconds(1);
        return Step.recheck(untilDeadline.isNegative() ? Duration.ofSeconds(1) : untilDeadline);
      }
      return agent;
    }

    /** Makes sure the machine exists; waits while it is not running yet. */
    private Step provision() {
      if (facts.access() == null) {
        return Step.act(new PeerPlan.CheckAccess());
      }
      if (facts.access().missingCredentials().isPresent()) {
        return credentialsMissing(facts.access().missingCredentials().get());
      }
      if (makesMachines() && status.getMachineAttempt() == null) {
        // intent before the call: the attempt is the idempotency key, so it must be in the API
        // before the cloud hears of it; a crash after the create then finds the same machine again
        return requestMachine(1, "asking " + facts.provider().get() + " for a machine");
      }
      if (facts.ensured() == null) {
        return Step.act(new PeerPlan.EnsureMachine(attempt(status)));
      }
      if (facts.ensured() instanceof ProviderFailed failed) {
        return providerFailed(failed);
      }
      if (facts.ensured() instanceof NoCredentials missing) {
        return credentialsMissing(missing.message());
      }
      return machineSeen(((Ensured) facts.ensured()).machine());
    }

    private Step machineSeen(Machine machine) {
      status.setProviderID(machine.providerID());
      if (machine.publicAddress() != null || machine.privateAddress() != null) {
        status.setAddresses(new PeerAddresses(machine.publicAddress(), machine.privateAddress()));
      }
      if (machine.state() == Machine.MachineState.RUNNING) {
        conditions.set(
            PROVISIONED,
            true,
            makesMachines() ? MACHINE_RUNNING : NOTHING_TO_PROVISION,
            makesMachines()
                ? "machine " + machine.providerID() + " is running"
                : "a static peer is a host you bring; nothing to provision");
        status.setPhase(PeerPhase.JOINING);
        return Step.done();
      }
      if (timedOut(settings.launchTimeout())) {
        return replace(
            LAUNCH_TIMEOUT,
            "machine "
                + machine.providerID()
                + " did not start within "
                + settings.launchTimeout().toMinutes()
                + " min");
      }
      status.setPhase(PeerPhase.PROVISIONING);
      conditions.set(
          PROVISIONED,
          false,
          MACHINE_PENDING,
          "machine "
              + machine.providerID()
              + " is "
              + machine.state().name().toLowerCase(Locale.ROOT));
      return Step.recheck(settings.providerPollInterval());
    }

    private Step credentialsMissing(String message) {
      status.setPhase(PeerPhase.PENDING);
      conditions.set(PROVISIONED, false, CREDENTIALS_NOT_FOUND, message);
      return Step.recheck(settings.providerRetryMax());
    }

    /**
     * A machine that never started or never joined: delete it, and once the cloud says it is gone,
     * ask for the next one (a new attempt, so a new idempotency key).
     */
    private Step replace(String reason, String why) {
      if (facts.deleted() == null) {
        return Step.act(new PeerPlan.DeleteMachine(attempt(status)));
      }
      if (facts.deleted() instanceof StillThere) {
        status.setPhase(PeerPhase.PROVISIONING);
        conditions.set(PROVISIONED, false, reason, why + "; deleting it to make another");
        return Step.recheck(settings.providerPollInterval());
      }
      if (facts.deleted() instanceof ProviderFailed failed) {
        return providerFailed(failed);
      }
      if (facts.deleted() instanceof NoCredentials missing) {
        return credentialsMissing(missing.message());
      }
      return requestMachine(attempt(status) + 1, why + "; replacing it");
    }

    private Step providerFailed(ProviderFailed failed) {
      conditions.set(PROVISIONED, false, failed.reason(), failed.message());
      if (!failed.retryable()) {
        status.setPhase(PeerPhase.FAILED);
        return Step.done();
      }
      status.setPhase(status.getProviderID() == null ? PeerPhase.PENDING : PeerPhase.PROVISIONING);
      // failing since the stored condition first said so: the wait grows with the failure
      Instant since =
          Conditions.find(
                  peer.getStatus() == null ? null : peer.getStatus().getConditions(), PROVISIONED)
              .filter(c -> failed.reason().equals(c.getReason()))
              .map(c -> Instant.parse(c.getLastTransitionTime()))
              .orElse(now);
      return Step.recheck(
          Backoff.next(
              since,
              now,
              settings.providerRetryInitial(),
              settings.providerRetryMax(),
              peer.getMetadata().getName()));
    }

    /** Records the intent to make machine number {@code attempt}; the next reconcile makes it. */
    private Step requestMachine(int attempt, String message) {
      status.setMachineAttempt(attempt);
      status.setMachineRequestedTime(Conditions.timestamp(now));
      status.setProviderID(null);
      status.setAddresses(null);
      status.setPhase(PeerPhase.PROVISIONING);
      conditions.set(PROVISIONED, false, MACHINE_REQUESTED, message + " (machine " + attempt + ")");
      return Step.recheck(REQUESTED_RECHECK);
    }

    private Step agent() {
      if (facts.membership().isEmpty()) {
        status.setPhase(PeerPhase.JOINING);
        conditions.set(JOINED, false, WAITING_FOR_AGENT, joinHint());
        conditions.set(MESH_READY, Conditions.UNKNOWN, NO_AGENT_DATA, "no agent has joined yet");
        conditions.set(HEALTHY, Conditions.UNKNOWN, NO_AGENT_DATA, "no agent has joined yet");
        status.setHealth("Unknown");
        notReady(WAITING_FOR_AGENT, joinHint());
        return Step.done(); // the join writes the membership Secret, whose watch wakes us
      }
      AgentSecrets.Membership joined = facts.membership().get();
      status.setPublicKey(joined.publicKey());
      status.setKeyRotation(keyRotation(joined));
      status.setInterfaceEndpoints(joined.endpoints().isEmpty() ? null : joined.endpoints());
      status.setEndpoint(endpointOthersTry(joined));
      AgentFacts agentFacts = joined.facts();
      // an agent that does not know its machine's size (facts without cpu or memory) keeps
      // whatever capacity the Peer showed: an empty one would not be an object the API takes
      if (agentFacts != null
          && (agentFacts.cpuCores() != null || agentFacts.memoryBytes() != null)) {
        ResourceAmounts capacity =
            new ResourceAmounts(
                agentFacts.cpuCores() == null
                    ? null
                    : new Quantity(agentFacts.cpuCores().toString()),
                agentFacts.memoryBytes() == null
                    ? null
                    : new Quantity(agentFacts.memoryBytes().toString()));
        status.setCapacity(capacity);
        status.setAllocatable(capacity);
      }
      conditions.set(
          JOINED, true, AGENT_JOINED, "the agent joined with WireGuard key " + joined.publicKey());

      Optional<Instant> heartbeat = facts.lastHeartbeat();
      Duration grace = settings.heartbeatGrace();
      // after an operator (re)start, agents get a full grace to reach it before anyone is NotReady
      Optional<Instant> counted =
          heartbeat.map(h -> h.isBefore(facts.operatorStarted()) ? facts.operatorStarted() : h);
      PeerPhase phase =
          heartbeat.isEmpty() ? PeerPhase.JOINING : Heartbeats.phase(counted, now, grace);
      PeerPhase before = status.getPhase();
      status.setPhase(phase);
      AgentStatus agent = status.getAgent() == null ? new AgentStatus() : status.getAgent();
      agent.setVersion(agentFacts == null ? null : agentFacts.agentVersion());
      agent.setWireguard(agentFacts == null ? null : agentFacts.wireguard());
      boolean refreshing = heartbeat.isPresent() && (before != phase || staleInStatus(agent));
      if (refreshing) {
        agent.setLastHeartbeatTime(Conditions.timestamp(heartbeat.get()));
      }
      status.setAgent(agent);

      if (phase == PeerPhase.JOINING) {
        notReady(WAITING_FOR_HEARTBEAT, "the agent joined; waiting for its first heartbeat");
        return Step.recheck(grace);
      }
      if (phase == PeerPhase.NOT_READY) {
        notReady(
            HEARTBEAT_MISSED,
            "no heartbeat from the agent since "
                + heartbeat.get()
                + " (grace "
                + grace.toSeconds()
                + "s)");
        conditions.set(HEALTHY, Conditions.UNKNOWN, HEARTBEAT_MISSED, "the agent does not report");
        status.setHealth("Unknown");
        return Step.done(); // its next report wakes us
      }
      conditions.set(READY, true, PEER_READY, "the agent reports within the heartbeat grace");
      dataPlane(refreshing);
      Duration untilStale =
          Heartbeats.untilStale(counted, now, grace).orElse(Duration.ZERO).plusSeconds(1);
      Duration refresh = refreshInterval();
      return Step.recheck(untilStale.compareTo(refresh) < 0 ? untilStale : refresh);
    }

    /**
     * The last rotation the agent made, and one the cluster's schedule asks for: due when the key
     * is older than spec.keyRotation.interval (counted from the last rotation, or from the join).
     * Its name is its due time, so it stays the same request until the agent answers it. Ready
     * peers are looked at every heartbeatStatusInterval, which bounds how late it is asked.
     */
    private KeyRotationStatus keyRotation(AgentSecrets.Membership joined) {
      KeyRotationStatus rotation =
          joined.rotatedFor() == null
              ? null
              : new KeyRotationStatus(joined.rotatedFor(), joined.rotatedAt());
      Duration interval = rotationInterval(facts.cluster().orElse(null));
      if (interval.isZero()) {
        return rotation;
      }
      Instant since =
          joined.rotatedAt() != null
              ? Instant.parse(joined.rotatedAt())
              : Conditions.find(
                      peer.getStatus() == null ? null : peer.getStatus().getConditions(), JOINED)
                  .filter(c -> Conditions.TRUE.equals(c.getStatus()))
                  .map(c -> Instant.parse(c.getLastTransitionTime()))
                  .orElse(now);
      Instant due = since.plus(interval);
      if (now.isBefore(due)) {
        return rotation;
      }
      KeyRotationStatus scheduled = rotation == null ? new KeyRotationStatus() : rotation;
      scheduled.setScheduled(SCHEDULED_PREFIX + Conditions.timestamp(due));
      return scheduled;
    }

    /**
     * MeshReady: the interface has every peer of the map; Healthy: each had a recent handshake.
     *
     * <p>Counts alone (how many peers it reaches, "999/999") are written with the heartbeat's
     * refresh, not when they change: every join anywhere changes them on every peer, and N status
     * writes per join are what made joins slow at scale. A change of verdict — a condition's status
     * or reason, the peers named as missing, relayed or unreachable — is written at once.
     */
    private void dataPlane(boolean refreshing) {
      if (facts.dataPlane().isEmpty()) {
        String why = "no report from the agent since the operator started";
        conditions.set(MESH_READY, Conditions.UNKNOWN, NO_AGENT_DATA, why);
        conditions.set(HEALTHY, Conditions.UNKNOWN, NO_AGENT_DATA, why);
        status.setHealth("Unknown");
        return;
      }
      Health health = facts.dataPlane().get();
      PathSummary paths = paths(health, facts.paths());
      if (!refreshing && sameVerdictAsWritten(health, paths)) {
        if (!countsDue()) {
          return; // the counts follow with the next refresh
        }
        // counts alone are written with the heartbeat time
        facts
            .lastHeartbeat()
            .ifPresent(h -> status.getAgent().setLastHeartbeatTime(Conditions.timestamp(h)));
      }
      HandshakeSummary summary = new HandshakeSummary();
      summary.setExpected(health.expected());
      summary.setRecent(health.recent());
      summary.setOldestAgeSeconds(null); // changes every second: not a status field worth a write
      summary.setMissingCount(health.missingCount());
      summary.setMissing(health.missing().isEmpty() ? null : health.missing());
      status.setHandshakes(summary);
      status.setPaths(paths);
      if (health.meshConfigured()) {
        conditions.set(
            MESH_READY,
            true,
            PEERS_CONFIGURED,
            "WireGuard has all " + health.expected() + " peers of the map");
      } else {
        conditions.set(
            MESH_READY,
            false,
            PEERS_MISSING,
            "WireGuard does not have yet: " + health.describeUnconfigured());
      }
      if (health.expected() == 0) {
        conditions.set(HEALTHY, true, NO_PEERS_TO_REACH, "no other Ready peer to reach");
      } else if (health.healthy()) {
        conditions.set(
            HEALTHY,
            true,
            HANDSHAKES_RECENT,
            "recent WireGuard handshakes with "
                + health.recent()
                + "/"
                + health.expected()
                + " peers");
      } else {
        conditions.set(
            HEALTHY,
            false,
            HANDSHAKES_MISSING,
            "no WireGuard handshake within "
                + settings.handshakeFreshness().toSeconds()
                + "s with: "
                + health.describeMissing());
      }
      status.setHealth(health.healthy() ? "Healthy" : "Unhealthy");
    }

    /** Whether the status as written says what this health says, but for its counts. */
    private boolean sameVerdictAsWritten(Health health, PathSummary paths) {
      HandshakeSummary written = status.getHandshakes();
      PathSummary writtenPaths = status.getPaths();
      if (written == null || writtenPaths == null) {
        return false;
      }
      return Objects.equals(
              written.getMissing(), health.missing().isEmpty() ? null : health.missing())
          && reasonIs(MESH_READY, health.meshConfigured() ? PEERS_CONFIGURED : PEERS_MISSING)
          && reasonIs(
              HEALTHY,
              health.expected() == 0
                  ? NO_PEERS_TO_REACH
                  : health.healthy() ? HANDSHAKES_RECENT : HANDSHAKES_MISSING)
          && Objects.equals(writtenPaths.getRelayedPeers(), paths.getRelayedPeers())
          && Objects.equals(writtenPaths.getUnreachablePeers(), paths.getUnreachablePeers())
          && Objects.equals(writtenPaths.getRelaying(), paths.getRelaying())
          && Objects.equals(writtenPaths.getObservedEndpoints(), paths.getObservedEndpoints());
    }

    private boolean reasonIs(String type, String reason) {
      return conditions.current(type).map(c -> reason.equals(c.getReason())).orElse(false);
    }

    /**
     * Direct: a recent handshake; relayed: through the gateway the planner chose; unreachable: the
     * rest of the expected peers, with the planner's reason where it has one.
     */
    private static PathSummary paths(Health health, PeerPaths paths) {
      PathSummary summary = new PathSummary();
      summary.setDirect(health.recent());
      summary.setRelayed(paths.relayedVia().size());
      summary.setUnreachable(health.missingCount());
      List<PathSummary.Link> relayed = new ArrayList<>();
      // all of them: every replica builds the peer's routes from this list (decision 0026)
      paths.relayedVia().forEach((peer, via) -> relayed.add(PathSummary.Link.via(peer, via)));
      summary.setRelayedPeers(relayed.isEmpty() ? null : relayed);
      TreeMap<String, String> unreachable = new TreeMap<>();
      health.missing().forEach(peer -> unreachable.put(peer, "no recent WireGuard handshake"));
      unreachable.putAll(paths.unreachable());
      List<PathSummary.Link> none = new ArrayList<>();
      unreachable.entrySet().stream()
          .limit(PathSummary.LISTED)
          .forEach(e -> none.add(PathSummary.Link.unreachable(e.getKey(), e.getValue())));
      summary.setUnreachablePeers(none.isEmpty() ? null : none);
      summary.setRelaying(paths.relaying() == 0 ? null : paths.relaying());
      summary.setObservedEndpoints(
          paths.observedEndpoints().isEmpty() ? null : paths.observedEndpoints());
      return summary;
    }

    private boolean staleInStatus(AgentStatus agent) {
      return olderThan(agent, refreshInterval());
    }

    private Duration refreshInterval() {
      return refreshIntervalOf(
          facts.peer().getMetadata().getName(), settings.heartbeatStatusInterval());
    }

    /**
     * Counts alone may be written when the status was last refreshed longer ago than the counts'
     * interval (a few seconds in a small mesh, the heartbeat budget's in a large one).
     */
    private boolean countsDue() {
      AgentStatus agent = status.getAgent();
      return agent != null && olderThan(agent, settings.countsRefreshInterval());
    }

    private boolean olderThan(AgentStatus agent, Duration interval) {
      return agent.getLastHeartbeatTime() == null
          || Instant.parse(agent.getLastHeartbeatTime()).plus(interval).isBefore(now);
    }

    /**
     * Where peers of other sites reach it first: the provider's public address (clouds do 1:1 NAT:
     * the interface shows only the private one), else its first own address.
     */
    private String endpointOthersTry(AgentSecrets.Membership joined) {
      String publicAddress =
          status.getAddresses() == null ? null : status.getAddresses().getPublicAddress();
      if (publicAddress != null && facts.cluster().isPresent()) {
        Integer port = facts.cluster().get().getSpec().getNetwork().getListenPort();
        return publicAddress + ":" + (port == null ? 51820 : port);
      }
      return joined.endpoints().isEmpty() ? null : joined.endpoints().get(0);
    }

    /** Ready repeats why provisioning waits: the provider's reason and words. */
    private void repeatProvisionedInReady() {
      Condition provisioned = conditions.current(PROVISIONED).orElseThrow();
      notReady(provisioned.getReason(), provisioned.getMessage());
    }

    private boolean makesMachines() {
      return !facts.provider().orElseThrow().equals(StaticMachineProvider.NAME);
    }

    /** A Failed peer stays Failed until its spec changes (a new generation). */
    private boolean failedAtThisGeneration() {
      return Conditions.find(status.getConditions(), PROVISIONED)
          .map(
              c ->
                  c.getObservedGeneration() != null
                      && c.getObservedGeneration().equals(peer.getMetadata().getGeneration()))
          .orElse(false);
    }

    private boolean timedOut(Duration timeout) {
      return status.getMachineRequestedTime() != null && requestedAt().plus(timeout).isBefore(now);
    }

    private Instant requestedAt() {
      return Instant.parse(status.getMachineRequestedTime());
    }

    private void notReady(String reason, String message) {
      conditions.set(READY, false, reason, message);
    }

    private String joinHint() {
      return switch (peer.getSpec().getProvider()) {
        case STATIC -> "waiting for the agent to join: run the cluster's join command on the host";
        case LOCAL ->
            "waiting for the agent the local provider starts in the peer's network namespace";
        default -> "waiting for the agent that cloud-init starts on the machine to join";
      };
    }
  }

  static int attempt(PeerStatus status) {
    return status == null || status.getMachineAttempt() == null ? 1 : status.getMachineAttempt();
  }

  static String clusterName(Peer peer) {
    return peer.getSpec() == null || peer.getSpec().getClusterRef() == null
        ? ""
        : peer.getSpec().getClusterRef().getName();
  }

  /**
   * A peer's heartbeat refresh interval: the base stretched by a factor in [0.5, 1.5) fixed by its
   * name. Peers that joined together (a fleet joins at 20 a second) would otherwise refresh
   * together, one interval later and every interval after, in waves at the join rate far above the
   * heartbeat budget; spread, they refresh at the budget's rate, and on average at the base.
   */
  static Duration refreshIntervalOf(String peer, Duration base) {
    int mixed = peer.hashCode() * 0x9E3779B9; // Fibonacci hashing: neighbouring names land apart
    double factor = 0.5 + (mixed >>> 8) / (double) (1 << 24);
    return Duration.ofMillis((long) (base.toMillis() * factor));
  }
}
