package io.meshfed.operator.peer;

import static io.meshfed.operator.peer.PeerConditions.*;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.meshfed.operator.support.LeanItemStore;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.meshfed.api.agent.AgentFacts;
import io.meshfed.api.v1alpha1.AgentStatus;
import io.meshfed.api.v1alpha1.HandshakeSummary;
import io.meshfed.api.v1alpha1.ResourceAmounts;
import io.meshfed.operator.agentapi.AgentBootstraps;
import io.meshfed.operator.agentapi.AgentReports;
import io.meshfed.operator.agentapi.AgentSecrets;
import io.meshfed.operator.agentapi.Health;
import io.meshfed.provider.spi.AgentBootstrap;
import io.meshfed.provider.spi.StaticMachineProvider;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerAddresses;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.PeerSpec;
import io.meshfed.api.v1alpha1.PeerStatus;
import io.meshfed.operator.config.MeshfedConfig;
import io.meshfed.operator.ipam.SubnetAllocator;
import io.meshfed.operator.provider.ProviderContexts;
import io.meshfed.operator.provider.ProviderContexts.MissingCredentialsException;
import io.meshfed.operator.provider.ProviderRegistry;
import io.meshfed.operator.support.Conditions;
import io.meshfed.operator.support.EventRecorder;
import io.meshfed.operator.support.StatusPatch;
import io.meshfed.provider.spi.Machine;
import io.meshfed.provider.spi.MachineProvider;
import io.meshfed.provider.spi.MachineRef;
import io.meshfed.provider.spi.MachineRequest;
import io.meshfed.provider.spi.ProviderContext;
import io.meshfed.provider.spi.ProviderException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The Peer state machine: Pending → Provisioning → Joining → Ready ⇄ NotReady → Terminating
 * (Failed on a permanent provider error). Each reconcile looks at the world and takes the next
 * step; every step is idempotent, so a crash at any line is repaired by the next reconcile.
 */
@ControllerConfiguration(name = "peer", informer = @Informer(itemStore = LeanItemStore.class))
public class PeerReconciler implements Reconciler<Peer>, Cleaner<Peer> {
  private static final Logger LOG = Logger.getLogger(PeerReconciler.class);
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private final SubnetAllocator allocator;
  private final ProviderRegistry providers;
  private final ProviderContexts providerContexts;
  private final AgentReports reports;
  private final AgentBootstraps bootstraps;
  private final MeshfedConfig.Peer config;
  private final EventRecorder events;
  private final MeshfedConfig.AgentApi agentApi;
  private final Duration exhaustedRecheck;
  private final Clock clock = Clock.systemUTC();
  /** Heartbeats missed while no operator ran are not the agents' fault: grace counts from here too. */
  private final Instant started = clock.instant();

  public PeerReconciler(
      SubnetAllocator allocator,
      ProviderRegistry providers,
      ProviderContexts providerContexts,
      AgentReports reports,
      AgentBootstraps bootstraps,
      EventRecorder events,
      MeshfedConfig config) {
    this.allocator = allocator;
    this.events = events;
    this.providers = providers;
    this.providerContexts = providerContexts;
    this.reports = reports;
    this.bootstraps = bootstraps;
    this.config = config.peer();
    this.agentApi = config.agentApi();
    this.exhaustedRecheck = config.ipam().exhaustedRecheckInterval();
  }

  @Override
  public List<EventSource<?, Peer>> prepareEventSources(EventSourceContext<Peer> context) {
    var peers = context.getPrimaryCache();
    var clusters =
        InformerEventSourceConfiguration.from(MeshCluster.class, Peer.class)
            .withItemStore(new LeanItemStore<MeshCluster>())
            // a cluster's change (or its creation) concerns every peer that names it
            .withSecondaryToPrimaryMapper(
                (MeshCluster cluster) ->
                    peers
                        .list(
                            cluster.getMetadata().getNamespace(),
                            p -> clusterName(p).equals(cluster.getMetadata().getName()))
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
            .withPrimaryToSecondaryMapper(
                (Peer peer) ->
                    Set.of(new ResourceID(clusterName(peer), peer.getMetadata().getNamespace())))
            // a cluster's status changes with every peer; only its spec and its deletion concern them
            .withOnUpdateFilter(
                (MeshCluster next, MeshCluster previous) ->
                    !java.util.Objects.equals(next.getMetadata().getGeneration(), previous.getMetadata().getGeneration())
                        || next.isMarkedForDeletion() != previous.isMarkedForDeletion())
            .build();
    // the agent's Secrets (membership at join, the machine's bootstrap token)
    var secrets =
        InformerEventSourceConfiguration.from(Secret.class, Peer.class)
            .withItemStore(new LeanItemStore<Secret>())
            .withLabelSelector(AgentSecrets.ROLE_LABEL)
            .withSecondaryToPrimaryMapper(PeerReconciler::peerOfLabel)
            .build();
    // heartbeat Leases: read from the cache; their renewals wake nobody (the agent API does that)
    var leases =
        InformerEventSourceConfiguration.from(Lease.class, Peer.class)
            .withItemStore(new LeanItemStore<Lease>())
            .withLabelSelector(MeshfedApi.PEER_LABEL)
            .withSecondaryToPrimaryMapper(PeerReconciler::peerOfLabel)
            .withOnUpdateFilter((Lease next, Lease previous) -> false)
            .build();
    SimpleInboundEventSource<Peer> agentReports = new SimpleInboundEventSource<>("agent-reports");
    reports.onChange((namespace, name) -> agentReports.propagateEvent(new ResourceID(name, namespace)));
    return List.of(
        new InformerEventSource<>(clusters, context),
        new InformerEventSource<>(secrets, context),
        new InformerEventSource<>(leases, context),
        agentReports);
  }

  @Override
  public UpdateControl<Peer> reconcile(Peer peer, Context<Peer> context) {
    Instant now = clock.instant();
    PeerStatus status =
        peer.getStatus() == null ? new PeerStatus() : SERIALIZATION.clone(peer.getStatus());
    status.setObservedGeneration(peer.getMetadata().getGeneration());
    Conditions conditions =
        new Conditions(status.getConditions(), peer.getMetadata().getGeneration(), now);
    Step step = nextStep(peer, context, status, conditions, now);
    status.setConditions(conditions.build());
    UpdateControl<Peer> control = StatusPatch.ifChanged(peer, status, Peer::new);
    if (control.isPatchStatus()) {
      events.conditionsChanged(peer, peer.getStatus() == null ? null : peer.getStatus().getConditions(),
          status.getConditions());
    }
    step.recheckAfter().ifPresent(d -> control.rescheduleAfter(d));
    return control;
  }

  /** What one reconcile decided: the status is in place, and maybe when to look again. */
  private record Step(Optional<Duration> recheckAfter) {
    static Step done() {
      return new Step(Optional.empty());
    }

    static Step recheck(Duration after) {
      return new Step(Optional.of(after));
    }
  }

  private Step nextStep(Peer peer, Context<Peer> context, PeerStatus status, Conditions conditions, Instant now) {
    Optional<MeshCluster> maybeCluster = context.getSecondaryResource(MeshCluster.class);
    PeerSpec spec = peer.getSpec();
    if (maybeCluster.isEmpty()) {
      status.setPhase(PeerPhase.PENDING);
      notReady(conditions, CLUSTER_NOT_FOUND,
          "MeshCluster " + clusterName(peer) + " does not exist in namespace "
              + peer.getMetadata().getNamespace() + "; create it, or fix spec.clusterRef");
      return Step.done(); // the cluster informer wakes us when it appears
    }
    MeshCluster cluster = maybeCluster.get();
    if (cluster.isMarkedForDeletion()) {
      notReady(conditions, CLUSTER_TERMINATING, "MeshCluster " + clusterName(peer) + " is being deleted");
      return Step.done();
    }

    // 1. an address: the subnet allocation is recorded in the API before status shows it
    SubnetAllocator.Result address = allocator.allocate(cluster, peer);
    if (address instanceof SubnetAllocator.Exhausted e) {
      if (status.getPhase() == null) {
        status.setPhase(PeerPhase.PENDING);
      }
      notReady(conditions, ADDRESS_POOL_EXHAUSTED,
          "all " + e.poolSize() + " /" + SubnetAllocator.planOf(cluster).peerPrefix()
              + " subnets of " + cluster.getSpec().getNetwork().getCidr()
              + " are in use; delete peers or create a cluster with a larger network.cidr");
      return Step.recheck(exhaustedRecheck);
    }
    if (address instanceof SubnetAllocator.Contended) {
      return Step.recheck(Duration.ofMillis(200));
    }
    SubnetAllocator.Allocated allocated = (SubnetAllocator.Allocated) address;
    status.setSubnet(allocated.subnet());
    status.setMeshAddress(allocated.meshAddress());

    // 2. a machine
    Optional<MachineProvider> provider = providers.get(spec.getProvider().value());
    if (provider.isEmpty()) {
      status.setPhase(PeerPhase.PENDING);
      conditions.set(PROVISIONED, false, PROVIDER_NOT_INSTALLED,
          "this operator has no " + spec.getProvider() + " provider; it has " + providers.names());
      notReady(conditions, PROVIDER_NOT_INSTALLED, "no machine: provider " + spec.getProvider() + " is not installed");
      return Step.done();
    }
    PeerPhase phase = status.getPhase();
    if (phase == null || phase == PeerPhase.PENDING || phase == PeerPhase.PROVISIONING
        || (phase == PeerPhase.FAILED && !failedAt(status, peer))) {
      Optional<Duration> wait = provision(peer, cluster, provider.get(), context, status, conditions, now);
      if (wait.isPresent() || status.getPhase() == PeerPhase.FAILED) {
        // Ready repeats why: the provider's reason and words
        var provisioned = conditions.current(PROVISIONED).orElseThrow();
        notReady(conditions, provisioned.getReason(), provisioned.getMessage());
        return new Step(wait);
      }
    }
    if (status.getPhase() == PeerPhase.FAILED) {
      return Step.done(); // waits for a spec change
    }

    // a machine whose agent never came is replaced (hosts people bring wait for them instead)
    boolean waitsForMachineAgent = !provider.get().name().equals(StaticMachineProvider.NAME)
        && secret(context, AgentSecrets.agentSecretName(peer.getMetadata().getName())).isEmpty();
    if (waitsForMachineAgent && timedOut(status, config.joinTimeout(), now)) {
      try {
        ProviderContext providerContext = providerContexts.of(cluster, spec.getProvider());
        Optional<Duration> wait = replaceMachine(peer, cluster, provider.get(), providerContext, status, conditions,
            now, JOIN_TIMEOUT, "the agent of machine " + status.getProviderID() + " did not join within "
                + config.joinTimeout().toMinutes() + " min");
        var provisioned = conditions.current(PROVISIONED).orElseThrow();
        notReady(conditions, provisioned.getReason(), provisioned.getMessage());
        return new Step(wait);
      } catch (MissingCredentialsException e) {
        conditions.set(PROVISIONED, false, CREDENTIALS_NOT_FOUND, e.getMessage());
        return Step.recheck(config.providerRetryMax());
      }
    }

    // 3. the agent: its membership (written at join), its heartbeat, its view of the data plane
    Step step = agentStep(peer, context, status, conditions, now);
    if (waitsForMachineAgent && status.getMachineRequestedTime() != null && step.recheckAfter().isEmpty()) {
      // nothing else wakes a Peer whose agent never comes: look again at its join deadline
      Duration untilDeadline = Duration.between(now,
          Instant.parse(status.getMachineRequestedTime()).plus(config.joinTimeout())).plusSeconds(1);
      return Step.recheck(untilDeadline.isNegative() ? Duration.ofSeconds(1) : untilDeadline);
    }
    return step;
  }

  private Step agentStep(Peer peer, Context<Peer> context, PeerStatus status, Conditions conditions, Instant now) {
    String namespace = peer.getMetadata().getNamespace();
    String name = peer.getMetadata().getName();
    Optional<AgentSecrets.Membership> membership =
        secret(context, AgentSecrets.agentSecretName(name)).flatMap(AgentSecrets::membership);
    if (membership.isEmpty()) {
      status.setPhase(PeerPhase.JOINING);
      conditions.set(JOINED, false, WAITING_FOR_AGENT, joinHint(peer));
      conditions.set(MESH_READY, Conditions.UNKNOWN, NO_AGENT_DATA, "no agent has joined yet");
      conditions.set(HEALTHY, Conditions.UNKNOWN, NO_AGENT_DATA, "no agent has joined yet");
      status.setHealth("Unknown");
      notReady(conditions, WAITING_FOR_AGENT, joinHint(peer));
      return Step.done(); // the join writes the membership Secret, whose watch wakes us
    }
    AgentSecrets.Membership joined = membership.get();
    status.setPublicKey(joined.publicKey());
    status.setEndpoint(joined.endpoints().isEmpty() ? null : joined.endpoints().get(0));
    AgentFacts facts = joined.facts();
    if (facts != null) {
      ResourceAmounts capacity = new ResourceAmounts(
          facts.cpuCores() == null ? null : new Quantity(facts.cpuCores().toString()),
          facts.memoryBytes() == null ? null : new Quantity(facts.memoryBytes().toString()));
      status.setCapacity(capacity);
      status.setAllocatable(capacity);
    }
    conditions.set(JOINED, true, AGENT_JOINED, "the agent joined with WireGuard key " + joined.publicKey());

    Optional<Lease> lease = context.getSecondaryResources(Lease.class).stream()
        .filter(l -> AgentSecrets.leaseName(name).equals(l.getMetadata().getName()))
        .findFirst();
    Optional<Instant> heartbeat = reports.lastHeartbeat(namespace, name, lease);
    Duration grace = config.heartbeatGrace();
    // after an operator (re)start, agents get a full grace to reach it before anyone is NotReady
    Optional<Instant> counted = heartbeat.map(h -> h.isBefore(started) ? started : h);
    PeerPhase phase = heartbeat.isEmpty() ? PeerPhase.JOINING : Heartbeats.phase(counted, now, grace);
    PeerPhase before = status.getPhase();
    status.setPhase(phase);
    String version = facts == null ? null : facts.agentVersion();
    AgentStatus agent = status.getAgent() == null ? new AgentStatus() : status.getAgent();
    agent.setVersion(version);
    if (heartbeat.isPresent() && (before != phase || staleInStatus(agent, now))) {
      agent.setLastHeartbeatTime(Conditions.timestamp(heartbeat.get()));
    }
    status.setAgent(agent);

    if (phase == PeerPhase.JOINING) {
      notReady(conditions, WAITING_FOR_HEARTBEAT, "the agent joined; waiting for its first heartbeat");
      return Step.recheck(grace);
    }
    if (phase == PeerPhase.NOT_READY) {
      notReady(conditions, HEARTBEAT_MISSED, "no heartbeat from the agent since " + heartbeat.get()
          + " (grace " + grace.toSeconds() + "s)");
      conditions.set(HEALTHY, Conditions.UNKNOWN, HEARTBEAT_MISSED, "the agent does not report");
      status.setHealth("Unknown");
      return Step.done(); // its next report wakes us
    }
    conditions.set(READY, true, PEER_READY, "the agent reports within the heartbeat grace");
    dataPlane(peer, status, conditions, now);
    Duration untilStale = Heartbeats.untilStale(counted, now, grace).orElse(Duration.ZERO).plusSeconds(1);
    Duration refresh = agentApi.heartbeatStatusInterval();
    return Step.recheck(untilStale.compareTo(refresh) < 0 ? untilStale : refresh);
  }

  /** MeshReady: the interface has every peer of the map; Healthy: each had a recent handshake. */
  private void dataPlane(Peer peer, PeerStatus status, Conditions conditions, Instant now) {
    Optional<AgentReports.Received> latest =
        reports.latest(peer.getMetadata().getNamespace(), peer.getMetadata().getName());
    if (latest.isEmpty()) {
      conditions.set(MESH_READY, Conditions.UNKNOWN, NO_AGENT_DATA, "no report from the agent since the operator started");
      conditions.set(HEALTHY, Conditions.UNKNOWN, NO_AGENT_DATA, "no report from the agent since the operator started");
      status.setHealth("Unknown");
      return;
    }
    Health health = latest.get().health();
    HandshakeSummary summary = new HandshakeSummary();
    summary.setExpected(health.expected());
    summary.setRecent(health.recent());
    summary.setOldestAgeSeconds(null); // changes every second: not a status field worth a write
    summary.setMissingCount(health.missingCount());
    summary.setMissing(health.missing().isEmpty() ? null : health.missing());
    status.setHandshakes(summary);
    if (health.meshConfigured()) {
      conditions.set(MESH_READY, true, PEERS_CONFIGURED,
          "WireGuard has all " + health.expected() + " peers of the map");
    } else {
      conditions.set(MESH_READY, false, PEERS_MISSING,
          "WireGuard does not have yet: " + health.describeUnconfigured());
    }
    if (health.expected() == 0) {
      conditions.set(HEALTHY, true, NO_PEERS_TO_REACH, "no other Ready peer to reach");
    } else if (health.healthy()) {
      conditions.set(HEALTHY, true, HANDSHAKES_RECENT, "recent WireGuard handshakes with "
          + health.recent() + "/" + health.expected() + " peers");
    } else {
      conditions.set(HEALTHY, false, HANDSHAKES_MISSING, "no WireGuard handshake within "
          + agentApi.handshakeFreshness().toSeconds() + "s with: " + health.describeMissing());
    }
    status.setHealth(health.healthy() ? "Healthy" : "Unhealthy");
  }

  private boolean staleInStatus(AgentStatus agent, Instant now) {
    return agent.getLastHeartbeatTime() == null
        || Instant.parse(agent.getLastHeartbeatTime()).plus(agentApi.heartbeatStatusInterval()).isBefore(now);
  }

  private static Optional<Secret> secret(Context<Peer> context, String name) {
    return context.getSecondaryResources(Secret.class).stream()
        .filter(s -> name.equals(s.getMetadata().getName()))
        .findFirst();
  }

  /** Makes sure the machine exists; returns when to look again if it is not running yet. */
  private Optional<Duration> provision(
      Peer peer, MeshCluster cluster, MachineProvider provider, Context<Peer> context, PeerStatus status,
      Conditions conditions, Instant now) {
    ProviderContext providerContext;
    try {
      providerContext = providerContexts.of(cluster, peer.getSpec().getProvider());
    } catch (MissingCredentialsException e) {
      status.setPhase(PeerPhase.PENDING);
      conditions.set(PROVISIONED, false, CREDENTIALS_NOT_FOUND, e.getMessage());
      return Optional.of(config.providerRetryMax());
    }
    boolean makesMachines = !provider.name().equals(StaticMachineProvider.NAME);
    if (makesMachines && status.getMachineAttempt() == null) {
      // intent before the call: the attempt is the idempotency key, so it must be in the API
      // before the cloud hears of it; a crash after the create then finds the same machine again
      return requestMachine(status, conditions, 1, now, "asking " + provider.name() + " for a machine");
    }
    try {
      AgentBootstrap bootstrap = makesMachines
          ? bootstraps.forMachine(peer, secret(context, AgentSecrets.bootstrapSecretName(peer.getMetadata().getName())))
          : null;
      MachineRequest request = machineRequest(peer, cluster, bootstrap,
          bootstrap == null ? null : bootstraps.userData(peer, bootstrap), attempt(status));
      Machine machine = provider.ensure(providerContext, request);
      status.setProviderID(machine.providerID());
      if (machine.publicAddress() != null || machine.privateAddress() != null) {
        status.setAddresses(new PeerAddresses(machine.publicAddress(), machine.privateAddress()));
      }
      if (machine.state() == Machine.MachineState.RUNNING) {
        conditions.set(PROVISIONED, true,
            makesMachines ? MACHINE_RUNNING : NOTHING_TO_PROVISION,
            makesMachines
                ? "machine " + machine.providerID() + " is running"
                : "a static peer is a host you bring; nothing to provision");
        status.setPhase(PeerPhase.JOINING);
        return Optional.empty();
      }
      if (timedOut(status, config.launchTimeout(), now)) {
        return replaceMachine(peer, cluster, provider, providerContext, status, conditions, now, LAUNCH_TIMEOUT,
            "machine " + machine.providerID() + " did not start within " + config.launchTimeout().toMinutes() + " min");
      }
      status.setPhase(PeerPhase.PROVISIONING);
      conditions.set(PROVISIONED, false, MACHINE_PENDING,
          "machine " + machine.providerID() + " is " + machine.state().name().toLowerCase());
      return Optional.of(config.providerPollInterval());
    } catch (ProviderException e) {
      return providerFailed(peer, status, conditions, e, now);
    }
  }

  private Optional<Duration> providerFailed(
      Peer peer, PeerStatus status, Conditions conditions, ProviderException e, Instant now) {
    conditions.set(PROVISIONED, false, e.reason(), e.getMessage());
    if (!e.isRetryable()) {
      status.setPhase(PeerPhase.FAILED);
      LOG.warnf("peer %s/%s failed: %s: %s", peer.getMetadata().getNamespace(),
          peer.getMetadata().getName(), e.reason(), e.getMessage());
      return Optional.empty();
    }
    status.setPhase(status.getProviderID() == null ? PeerPhase.PENDING : PeerPhase.PROVISIONING);
    Instant since = Conditions.find(status.getConditions(), PROVISIONED)
        .filter(c -> e.reason().equals(c.getReason()))
        .map(c -> Instant.parse(c.getLastTransitionTime()))
        .orElse(now);
    return Optional.of(Backoff.next(since, now, config.providerRetryInitial(), config.providerRetryMax()));
  }

  /** Records the intent to make machine number {@code attempt}; the next reconcile makes it. */
  private static Optional<Duration> requestMachine(
      PeerStatus status, Conditions conditions, int attempt, Instant now, String message) {
    status.setMachineAttempt(attempt);
    status.setMachineRequestedTime(Conditions.timestamp(now));
    status.setProviderID(null);
    status.setAddresses(null);
    status.setPhase(PeerPhase.PROVISIONING);
    conditions.set(PROVISIONED, false, MACHINE_REQUESTED, message + " (machine " + attempt + ")");
    return Optional.of(Duration.ofMillis(1));
  }

  /**
   * A machine that never started or never joined: delete it, and once the cloud says it is gone,
   * ask for the next one (a new attempt, so a new idempotency key).
   */
  private Optional<Duration> replaceMachine(
      Peer peer, MeshCluster cluster, MachineProvider provider, ProviderContext providerContext, PeerStatus status,
      Conditions conditions, Instant now, String reason, String why) {
    MachineRef ref = machineRef(peer, Optional.of(cluster), status);
    try {
      provider.delete(providerContext, ref);
      Optional<Machine> still = provider.find(providerContext, ref);
      if (still.isPresent() && !still.get().state().isGone()) {
        status.setPhase(PeerPhase.PROVISIONING);
        conditions.set(PROVISIONED, false, reason, why + "; deleting it to make another");
        return Optional.of(config.providerPollInterval());
      }
    } catch (ProviderException e) {
      return providerFailed(peer, status, conditions, e, now);
    }
    LOG.infof("peer %s/%s: %s; replaced", peer.getMetadata().getNamespace(), peer.getMetadata().getName(), why);
    return requestMachine(status, conditions, attempt(status) + 1, now, why + "; replacing it");
  }

  private static boolean timedOut(PeerStatus status, Duration timeout, Instant now) {
    return status.getMachineRequestedTime() != null
        && Instant.parse(status.getMachineRequestedTime()).plus(timeout).isBefore(now);
  }

  private static int attempt(PeerStatus status) {
    return status.getMachineAttempt() == null ? 1 : status.getMachineAttempt();
  }

  @Override
  public DeleteControl cleanup(Peer peer, Context<Peer> context) {
    if (peer.getStatus() == null || peer.getStatus().getPhase() != PeerPhase.TERMINATING) {
      PeerStatus status =
          peer.getStatus() == null ? new PeerStatus() : SERIALIZATION.clone(peer.getStatus());
      status.setPhase(PeerPhase.TERMINATING);
      context.getClient().resource(StatusPatch.minimal(peer, status, Peer::new)).patchStatus();
      events.record(peer, new EventRecorder.Transition(EventRecorder.NORMAL, "Terminating",
          "deleting: the machine is released, then the address; other peers drop this one from their maps"));
    }
    Optional<MeshCluster> cluster = context.getSecondaryResource(MeshCluster.class);
    Optional<MachineProvider> provider = providers.get(peer.getSpec().getProvider().value());
    if (provider.isPresent()) {
      try {
        ProviderContext providerContext =
            cluster.isPresent()
                ? providerContexts.of(cluster.get(), peer.getSpec().getProvider())
                : new ProviderContext(null, clusterName(peer), Map.of(), Map.of());
        MachineRef ref = machineRef(peer, cluster, peer.getStatus());
        provider.get().delete(providerContext, ref);
        Optional<Machine> still = provider.get().find(providerContext, ref);
        if (still.isPresent() && !still.get().state().isGone()) {
          return DeleteControl.noFinalizerRemoval().rescheduleAfter(config.providerPollInterval().toMillis());
        }
      } catch (ProviderException | MissingCredentialsException e) {
        LOG.warnf("deleting the machine of peer %s/%s: %s", peer.getMetadata().getNamespace(),
            peer.getMetadata().getName(), e.getMessage());
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(config.providerRetryInitial().toMillis());
      }
    }
    // the machine is gone: release the subnet; it goes to another peer once this Peer is gone too
    if (cluster.isPresent() && !allocator.release(cluster.get(), peer)) {
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(200);
    }
    // owned by the Peer, but a cluster may run without a garbage collector: revoke explicitly
    bootstraps.revoke(context.getClient(), peer);
    reports.forget(peer.getMetadata().getNamespace(), peer.getMetadata().getName());
    return DeleteControl.defaultDelete();
  }

  private static MachineRequest machineRequest(
      Peer peer, MeshCluster cluster, AgentBootstrap bootstrap, String userData, int attempt) {
    PeerSpec spec = peer.getSpec();
    return new MachineRequest(
        cluster.getMetadata().getUid(),
        peer.getMetadata().getUid(),
        peer.getMetadata().getName(),
        spec.getRegion(),
        spec.getZone(),
        spec.getInstanceType(),
        spec.getImage(),
        cluster.getSpec().getNetwork().getListenPort(),
        userData,
        bootstrap,
        Map.of(
            MeshfedApi.CLUSTER_LABEL, cluster.getMetadata().getUid(),
            MeshfedApi.PEER_LABEL, peer.getMetadata().getUid()),
        attempt);
  }

  private static MachineRef machineRef(Peer peer, Optional<MeshCluster> cluster, PeerStatus status) {
    return new MachineRef(
        cluster.map(c -> c.getMetadata().getUid()).orElse(null),
        peer.getMetadata().getUid(),
        peer.getMetadata().getName(),
        status == null ? null : status.getProviderID(),
        peer.getSpec().getRegion(),
        peer.getSpec().getZone(),
        status == null ? 1 : attempt(status));
  }

  /** A Failed peer stays Failed until its spec changes (a new generation). */
  private static boolean failedAt(PeerStatus status, Peer peer) {
    return Conditions.find(status.getConditions(), PROVISIONED)
        .map(c -> c.getObservedGeneration() != null
            && c.getObservedGeneration().equals(peer.getMetadata().getGeneration()))
        .orElse(false);
  }

  private static void notReady(Conditions conditions, String reason, String message) {
    conditions.set(READY, false, reason, message);
  }

  private static String joinHint(Peer peer) {
    return switch (peer.getSpec().getProvider()) {
      case STATIC -> "waiting for the agent to join: run the cluster's join command on the host";
      case LOCAL -> "waiting for the agent the local provider starts in the peer's network namespace";
      default -> "waiting for the agent that cloud-init starts on the machine to join";
    };
  }

  /** Objects made for a peer carry its name in a label. */
  private static Set<ResourceID> peerOfLabel(io.fabric8.kubernetes.api.model.HasMetadata object) {
    var labels = object.getMetadata().getLabels();
    String peer = labels == null ? null : labels.get(MeshfedApi.PEER_LABEL);
    return peer == null ? Set.of() : Set.of(new ResourceID(peer, object.getMetadata().getNamespace()));
  }

  static String clusterName(Peer peer) {
    return peer.getSpec() == null || peer.getSpec().getClusterRef() == null
        ? ""
        : peer.getSpec().getClusterRef().getName();
  }
}
