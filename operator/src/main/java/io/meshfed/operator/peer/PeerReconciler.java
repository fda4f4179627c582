package io.meshfed.operator.peer;

import static io.meshfed.operator.peer.PeerConditions.*;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.PeerStatus;
import io.meshfed.operator.agentapi.AgentReports;
import io.meshfed.operator.config.MeshfedConfig;
import io.meshfed.operator.ipam.SubnetAllocator;
import io.meshfed.operator.join.AgentBootstraps;
import io.meshfed.operator.join.AgentSecrets;
import io.meshfed.operator.netmap.MapLog;
import io.meshfed.operator.netmap.NetMapPublisher;
import io.meshfed.operator.netmap.ObservedEndpoints;
import io.meshfed.operator.netmap.PeerPaths;
import io.meshfed.operator.support.ClusterEvents;
import io.meshfed.operator.support.Conditions;
import io.meshfed.operator.support.EventRecorder;
import io.meshfed.operator.support.LeanItemStore;
import io.meshfed.operator.support.StatusPatch;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Wires the Peer's events and carries out what {@link PeerLifecycle} decides: it gathers the facts
 * from the caches, performs the actions the plan names (a subnet, the machine's credentials, ensure
 * or delete the machine, release the subnet) and patches the status when it changed. The decisions
 * themselves — phases, conditions, deadlines, replacements — are all in the lifecycle.
 */
@ControllerConfiguration(name = "peer", informer = @Informer(itemStore = LeanItemStore.class))
public class PeerReconciler implements Reconciler<Peer>, Cleaner<Peer> {
  private static final Logger LOG = Logger.getLogger(PeerReconciler.class);

  /** The most actions one reconcile takes: subnet, credentials, ensure, delete, release. */
  private static final int MAX_ACTIONS = 6;

  private final SubnetAllocator allocator;
  private final MachineLifecycle machines;
  private final AgentReports reports;
  private final ObservedEndpoints observed;
  private final NetMapPublisher maps;
  private final AgentBootstraps bootstraps;
  private final EventRecorder events;
  private final PeerLifecycle lifecycle;
  private final Clock clock;

  /**
   * Heartbeats missed while no operator ran are not the agents' fault: grace counts from here too.
   */
  private final Instant started;

  public PeerReconciler(
      SubnetAllocator allocator,
      MachineLifecycle machines,
      AgentReports reports,
      ObservedEndpoints observed,
      NetMapPublisher maps,
      AgentBootstraps bootstraps,
      EventRecorder events,
      MeshfedConfig config,
      Clock clock) {
    this.allocator = allocator;
    this.machines = machines;
    this.reports = reports;
    this.observed = observed;
    this.maps = maps;
    this.bootstraps = bootstraps;
    this.events = events;
    this.lifecycle = new PeerLifecycle(PeerLifecycle.Settings.of(config));
    this.clock = clock;
    this.started = clock.instant();
  }

  @Override
  public List<EventSource<?, Peer>> prepareEventSources(EventSourceContext<Peer> context) {
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
    reports.onChange(
        (namespace, name) -> agentReports.propagateEvent(new ResourceID(name, namespace)));
    // where its peers see it changed: its status says so now, not at its own next report (another
    // replica's maps read it there: decision 0025)
    // the map's index by key names the peer: no scan of the cluster's Peers per change
    observed.onChange(
        (clusterKey, publicKey) -> {
          int slash = clusterKey.indexOf('/');
          String namespace = clusterKey.substring(0, slash);
          MapLog.Member member =
              maps.mapPeers(namespace, clusterKey.substring(slash + 1)).get(publicKey);
          if (member != null) {
            agentReports.propagateEvent(new ResourceID(member.peer().name(), namespace));
          }
        });
    return List.of(
        ClusterEvents.source(Peer.class, context, PeerReconciler::clusterName),
        new InformerEventSource<>(secrets, context),
        new InformerEventSource<>(leases, context),
        agentReports);
  }

  @Override
  public ErrorStatusUpdateControl<Peer> updateErrorStatus(
      Peer resource, Context<Peer> context, Exception e) {
    return StatusPatch.failed(resource, PeerStatus::new, Peer::new, e, clock.instant());
  }

  @Override
  public UpdateControl<Peer> reconcile(Peer peer, Context<Peer> context) {
    Instant now = clock.instant();
    PeerPlan plan = carryOut(observe(peer, context), context, now);
    PeerStatus before = peer.getStatus();
    PeerStatus status = plan.status();
    if (status.getPhase() == PeerPhase.FAILED
        && (before == null || before.getPhase() != PeerPhase.FAILED)) {
      LOG.warnf(
          "peer %s/%s failed: %s",
          peer.getMetadata().getNamespace(),
          peer.getMetadata().getName(),
          Conditions.find(status.getConditions(), PROVISIONED)
              .map(c -> c.getReason() + ": " + c.getMessage())
              .orElse(""));
    }
    if (before != null
        && status.getMachineAttempt() != null
        && before.getMachineAttempt() != null
        && status.getMachineAttempt() > before.getMachineAttempt()) {
      LOG.infof(
          "peer %s/%s: machine %d replaced by machine %d",
          peer.getMetadata().getNamespace(),
          peer.getMetadata().getName(),
          before.getMachineAttempt(),
          status.getMachineAttempt());
    }
    UpdateControl<Peer> control = StatusPatch.ifChanged(peer, status, Peer::new);
    if (control.isPatchStatus()) {
      events.conditionsChanged(
          peer, before == null ? null : before.getConditions(), status.getConditions());
    }
    plan.recheckAfter().ifPresent(after -> StatusPatch.recheckAfter(control, after));
    return control;
  }

  @Override
  public DeleteControl cleanup(Peer peer, Context<Peer> context) {
    if (peer.getStatus() == null || peer.getStatus().getPhase() != PeerPhase.TERMINATING) {
      events.record(
          peer,
          new EventRecorder.Transition(
              EventRecorder.NORMAL,
              "Terminating",
              "deleting: the machine is released, then the address; other peers drop this one from their maps"));
    }
    // one status write per round, from the plan (phase Terminating, and why the deletion waits: a
    // cloud that refuses, missing credentials — shown in the cluster's status too). A separate
    // write of the phase alone would copy the conditions of a cached, possibly older status.
    PeerPlan plan = carryOut(observe(peer, context), context, clock.instant());
    if (!(plan.action() instanceof PeerPlan.Finish)
        && StatusPatch.changed(peer.getStatus(), plan.status())) {
      PeerStatus before = peer.getStatus();
      context
          .getClient()
          .resource(StatusPatch.minimal(peer, plan.status(), Peer::new))
          .patchStatus();
      events.conditionsChanged(
          peer, before == null ? null : before.getConditions(), plan.status().getConditions());
    }
    if (plan.action() instanceof PeerPlan.Finish) {
      // owned by the Peer, but a cluster may run without a garbage collector: revoke explicitly
      bootstraps.revoke(context.getClient(), peer);
      reports.forget(peer.getMetadata().getNamespace(), peer.getMetadata().getName());
      return DeleteControl.defaultDelete();
    }
    return DeleteControl.noFinalizerRemoval()
        .rescheduleAfter(
            plan.recheckAfter().orElse(lifecycle.settings().providerRetryInitial()).toMillis());
  }

  /** The facts as the caches have them; no action taken yet. */
  private PeerFacts observe(Peer peer, Context<Peer> context) {
    String namespace = peer.getMetadata().getNamespace();
    String name = peer.getMetadata().getName();
    Optional<Lease> lease =
        context.getSecondaryResources(Lease.class).stream()
            .filter(l -> AgentSecrets.leaseName(name).equals(l.getMetadata().getName()))
            .findFirst();
    return PeerFacts.observed(
        peer,
        context.getSecondaryResource(MeshCluster.class),
        machines.providerOf(peer),
        machines.installed(),
        started,
        secret(context, AgentSecrets.agentSecretName(name)).flatMap(AgentSecrets::membership),
        reports.lastHeartbeat(namespace, name, lease),
        reports.latest(namespace, name).map(AgentReports.Received::health),
        reports
            .latest(namespace, name)
            .map(AgentReports.Received::paths)
            .map(paths -> withObservedNow(peer, paths))
            .orElse(PeerPaths.NONE));
  }

  /** Its last report's paths, with where its peers see it as of now (their reports since). */
  private PeerPaths withObservedNow(Peer peer, PeerPaths paths) {
    String key = peer.getStatus() == null ? null : peer.getStatus().getPublicKey();
    return key == null
        ? paths
        : paths.withObservedEndpoints(
            observed.of(peer.getMetadata().getNamespace(), clusterName(peer), key));
  }

  /**
   * Decides, performs the action the plan names, records its outcome and decides again, until the
   * plan only waits (or finishes a teardown). Each action runs at most once: its outcome is a fact.
   */
  private PeerPlan carryOut(PeerFacts facts, Context<Peer> context, Instant now) {
    MachineLifecycle.Session session = null;
    for (int round = 0; ; round++) {
      PeerPlan plan =
          lifecycle
              .withCadence(
                  reports.heartbeatGrace(),
                  reports.statusRefreshInterval(),
                  reports.countsRefreshInterval())
              .decide(facts, now);
      if (plan.isFinal()) {
        return plan;
      }
      if (round > MAX_ACTIONS) {
        throw new IllegalStateException(
            "the Peer lifecycle asked for more than "
                + MAX_ACTIONS
                + " actions in one reconcile; last: "
                + plan.action());
      }
      Peer peer = facts.peer();
      if (session == null) {
        session =
            machines.session(
                peer,
                facts.cluster(),
                secret(context, AgentSecrets.bootstrapSecretName(peer.getMetadata().getName())));
      }
      PeerPlan.Action action = plan.action();
      if (action instanceof PeerPlan.TakeSubnet) {
        facts = facts.withAddress(allocator.allocate(facts.cluster().orElseThrow(), peer));
      } else if (action instanceof PeerPlan.CheckAccess) {
        facts = facts.withAccess(session.access());
      } else if (action instanceof PeerPlan.EnsureMachine ensure) {
        facts = facts.withEnsured(session.ensure(ensure.attempt()));
      } else if (action instanceof PeerPlan.DeleteMachine) {
        PeerFacts.DeleteOutcome deleted = session.delete(plan.status());
        if (deleted instanceof PeerFacts.ProviderFailed
            || deleted instanceof PeerFacts.NoCredentials) {
          LOG.warnf(
              "deleting the machine of peer %s/%s: %s",
              peer.getMetadata().getNamespace(), peer.getMetadata().getName(), deleted);
        }
        facts = facts.withDeleted(deleted);
      } else if (action instanceof PeerPlan.ReleaseSubnet) {
        // the machine is gone: release the subnet; it goes to another peer once this Peer is gone
        // too
        facts = facts.withReleased(allocator.release(facts.cluster().orElseThrow(), peer));
      } else {
        throw new IllegalStateException("unknown action " + action);
      }
    }
  }

  private static Optional<Secret> secret(Context<Peer> context, String name) {
    return context.getSecondaryResources(Secret.class).stream()
        .filter(s -> name.equals(s.getMetadata().getName()))
        .findFirst();
  }

  /** Objects made for a peer carry its name in a label. */
  private static Set<ResourceID> peerOfLabel(HasMetadata object) {
    var labels = object.getMetadata().getLabels();
    String peer = labels == null ? null : labels.get(MeshfedApi.PEER_LABEL);
    return peer == null
        ? Set.of()
        : Set.of(new ResourceID(peer, object.getMetadata().getNamespace()));
  }

  static String clusterName(Peer peer) {
    return PeerLifecycle.clusterName(peer);
  }
}
