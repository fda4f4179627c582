package io.meshfed.operator.peer;

import static io.meshfed.operator.peer.PeerConditions.*;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
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
@ControllerConfiguration(name = "peer")
public class PeerReconciler implements Reconciler<Peer>, Cleaner<Peer> {
  private static final Logger LOG = Logger.getLogger(PeerReconciler.class);
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private final SubnetAllocator allocator;
  private final ProviderRegistry providers;
  private final ProviderContexts providerContexts;
  private final MeshfedConfig.Peer config;
  private final Duration exhaustedRecheck;
  private final Clock clock = Clock.systemUTC();

  public PeerReconciler(
      SubnetAllocator allocator,
      ProviderRegistry providers,
      ProviderContexts providerContexts,
      MeshfedConfig config) {
    this.allocator = allocator;
    this.providers = providers;
    this.providerContexts = providerContexts;
    this.config = config.peer();
    this.exhaustedRecheck = config.ipam().exhaustedRecheckInterval();
  }

  @Override
  public List<EventSource<?, Peer>> prepareEventSources(EventSourceContext<Peer> context) {
    var peers = context.getPrimaryCache();
    var clusters =
        InformerEventSourceConfiguration.from(MeshCluster.class, Peer.class)
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
    return List.of(new InformerEventSource<>(clusters, context));
  }

  @Override
  public UpdateControl<Peer> reconcile(Peer peer, Context<Peer> context) {
    Instant now = clock.instant();
    PeerStatus status =
        peer.getStatus() == null ? new PeerStatus() : SERIALIZATION.clone(peer.getStatus());
    status.setObservedGeneration(peer.getMetadata().getGeneration());
    Conditions conditions =
        new Conditions(status.getConditions(), peer.getMetadata().getGeneration(), now);
    Step step = nextStep(peer, context.getSecondaryResource(MeshCluster.class), status, conditions, now);
    status.setConditions(conditions.build());
    UpdateControl<Peer> control = StatusPatch.ifChanged(peer, status, Peer::new);
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

  private Step nextStep(
      Peer peer, Optional<MeshCluster> maybeCluster, PeerStatus status, Conditions conditions, Instant now) {
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
      Optional<Duration> wait = provision(peer, cluster, provider.get(), status, conditions, now);
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

    // 3. the agent
    Optional<Instant> heartbeat = Heartbeats.last(status);
    PeerPhase agentPhase = Heartbeats.phase(heartbeat, now, config.heartbeatGrace());
    status.setPhase(agentPhase);
    switch (agentPhase) {
      case JOINING -> {
        conditions.set(JOINED, false, WAITING_FOR_AGENT, joinHint(peer));
        conditions.set(MESH_READY, Conditions.UNKNOWN, NO_AGENT_DATA, "no agent has joined yet");
        conditions.set(HEALTHY, Conditions.UNKNOWN, NO_AGENT_DATA, "no agent has joined yet");
        status.setHealth("Unknown");
        notReady(conditions, WAITING_FOR_AGENT, joinHint(peer));
        return Step.done(); // the agent's join wakes us
      }
      case NOT_READY -> {
        conditions.set(JOINED, true, AGENT_JOINED, "the agent joined");
        notReady(conditions, HEARTBEAT_MISSED,
            "no heartbeat from the agent since " + status.getAgent().getLastHeartbeatTime()
                + " (grace " + config.heartbeatGrace().toSeconds() + "s)");
        return Step.done();
      }
      default -> {
        conditions.set(JOINED, true, AGENT_JOINED, "the agent joined");
        conditions.set(READY, true, PEER_READY, "the agent reports within the heartbeat grace");
        return new Step(Heartbeats.untilStale(heartbeat, now, config.heartbeatGrace()).map(d -> d.plusSeconds(1)));
      }
    }
  }

  /** Makes sure the machine exists; returns when to look again if it is not running yet. */
  private Optional<Duration> provision(
      Peer peer, MeshCluster cluster, MachineProvider provider, PeerStatus status,
      Conditions conditions, Instant now) {
    ProviderContext providerContext;
    try {
      providerContext = providerContexts.of(cluster, peer.getSpec().getProvider());
    } catch (MissingCredentialsException e) {
      status.setPhase(PeerPhase.PENDING);
      conditions.set(PROVISIONED, false, CREDENTIALS_NOT_FOUND, e.getMessage());
      return Optional.of(config.providerRetryMax());
    }
    try {
      Machine machine = provider.ensure(providerContext, machineRequest(peer, cluster));
      status.setProviderID(machine.providerID());
      if (machine.publicAddress() != null || machine.privateAddress() != null) {
        status.setAddresses(new PeerAddresses(machine.publicAddress(), machine.privateAddress()));
      }
      if (machine.state() == Machine.MachineState.RUNNING) {
        conditions.set(PROVISIONED, true,
            provider.name().equals("static") ? NOTHING_TO_PROVISION : MACHINE_RUNNING,
            provider.name().equals("static")
                ? "a static peer is a host you bring; nothing to provision"
                : "machine " + machine.providerID() + " is running");
        status.setPhase(PeerPhase.JOINING);
        return Optional.empty();
      }
      status.setPhase(PeerPhase.PROVISIONING);
      conditions.set(PROVISIONED, false, MACHINE_PENDING,
          "machine " + machine.providerID() + " is " + machine.state().name().toLowerCase());
      return Optional.of(config.providerPollInterval());
    } catch (ProviderException e) {
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
  }

  @Override
  public DeleteControl cleanup(Peer peer, Context<Peer> context) {
    if (peer.getStatus() == null || peer.getStatus().getPhase() != PeerPhase.TERMINATING) {
      PeerStatus status =
          peer.getStatus() == null ? new PeerStatus() : SERIALIZATION.clone(peer.getStatus());
      status.setPhase(PeerPhase.TERMINATING);
      context.getClient().resource(StatusPatch.minimal(peer, status, Peer::new)).patchStatus();
    }
    Optional<MeshCluster> cluster = context.getSecondaryResource(MeshCluster.class);
    Optional<MachineProvider> provider = providers.get(peer.getSpec().getProvider().value());
    if (provider.isPresent()) {
      try {
        ProviderContext providerContext =
            cluster.isPresent()
                ? providerContexts.of(cluster.get(), peer.getSpec().getProvider())
                : new ProviderContext(null, clusterName(peer), Map.of(), Map.of());
        MachineRef ref = machineRef(peer, cluster);
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
    return DeleteControl.defaultDelete();
  }

  private static MachineRequest machineRequest(Peer peer, MeshCluster cluster) {
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
        null,
        Map.of(
            MeshfedApi.CLUSTER_LABEL, cluster.getMetadata().getUid(),
            MeshfedApi.PEER_LABEL, peer.getMetadata().getUid()));
  }

  private static MachineRef machineRef(Peer peer, Optional<MeshCluster> cluster) {
    return new MachineRef(
        cluster.map(c -> c.getMetadata().getUid()).orElse(null),
        peer.getMetadata().getUid(),
        peer.getMetadata().getName(),
        peer.getStatus() == null ? null : peer.getStatus().getProviderID(),
        peer.getSpec().getRegion(),
        peer.getSpec().getZone());
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

  static String clusterName(Peer peer) {
    return peer.getSpec() == null || peer.getSpec().getClusterRef() == null
        ? ""
        : peer.getSpec().getClusterRef().getName();
  }
}
