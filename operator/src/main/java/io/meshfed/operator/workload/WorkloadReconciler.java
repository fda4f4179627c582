package io.meshfed.operator.workload;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.meshfed.api.agent.ReplicaStatus;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPool;
import io.meshfed.api.v1alpha1.ReplicaPlacement;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.api.v1alpha1.WorkloadStatus;
import io.meshfed.api.v1alpha1.WorkloadStrategy;
import io.meshfed.api.v1alpha1.WorkloadTemplate;
import io.meshfed.operator.agentapi.AgentReports;
import io.meshfed.operator.autoscaler.Autoscaler;
import io.meshfed.operator.autoscaler.AutoscalerView;
import io.meshfed.operator.autoscaler.PoolCapacities;
import io.meshfed.operator.config.MeshfedConfig;
import io.meshfed.operator.coordinator.ClusterCoordinators;
import io.meshfed.operator.netmap.NetMapPublisher;
import io.meshfed.operator.placement.ClusterView;
import io.meshfed.operator.scheduler.Demand;
import io.meshfed.operator.scheduler.Node;
import io.meshfed.operator.scheduler.Scheduler;
import io.meshfed.operator.support.EventRecorder;
import io.meshfed.operator.support.LeanItemStore;
import io.meshfed.operator.support.StatusPatch;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Places a Workload's replicas and follows them: the decision is the pure {@link Scheduler}'s; this
 * class gathers its inputs from the caches, hands the replicas to the agents through the network
 * maps, and writes what the agents report back into status.
 *
 * <p>Workloads of one cluster are placed one at a time, against what the others hold: their latest
 * decisions are kept here (the cache may not show a status just written yet), so two workloads can
 * never both take the last room on a peer.
 */
@ControllerConfiguration(name = "workload", informer = @Informer(itemStore = LeanItemStore.class))
public class WorkloadReconciler implements Reconciler<Workload>, Cleaner<Workload> {
  private static final Logger LOG = Logger.getLogger(WorkloadReconciler.class);
  private final NetMapPublisher hub;
  private final AgentReports reports;
  private final KubernetesClient client;
  private final EventRecorder events;
  private final PoolCapacities capacities;
  private final MeshfedConfig.Scheduler config;
  private final Clock clock;

  /** The latest placement of each workload (namespace/name), written under its cluster's lock. */
  private final ClusterCoordinators coordinators;

  private final TemplateResolver templates;

  /** The placements this process last decided per workload of a cluster, newer than the cache. */
  static final class Placements {
    final Map<String, Map<Integer, String>> decided = new ConcurrentHashMap<>();

    /** The revision each replica runs, by workload, as the last rollout step decided. */
    final Map<String, Map<Integer, String>> revisions = new ConcurrentHashMap<>();
  }

  private volatile InformerEventSource<Peer, Workload> peers;
  private volatile InformerEventSource<PeerPool, Workload> pools;

  public WorkloadReconciler(
      NetMapPublisher hub,
      AgentReports reports,
      KubernetesClient client,
      EventRecorder events,
      PoolCapacities capacities,
      MeshfedConfig config,
      ClusterCoordinators coordinators,
      TemplateResolver templates,
      Clock clock) {
    this.coordinators = coordinators;
    this.templates = templates;
    this.clock = clock;
    this.hub = hub;
    this.capacities = capacities;
    this.events = events;
    this.reports = reports;
    this.client = client;
    this.config = config.scheduler();
  }

  @Override
  public List<EventSource<?, Workload>> prepareEventSources(EventSourceContext<Workload> context) {
    var workloads = context.getPrimaryCache();
    var clusters =
        InformerEventSourceConfiguration.from(MeshCluster.class, Workload.class)
            .withItemStore(new LeanItemStore<MeshCluster>())
            .withSecondaryToPrimaryMapper(
                (MeshCluster cluster) ->
                    workloadsOf(
                        workloads,
                        cluster.getMetadata().getNamespace(),
                        cluster.getMetadata().getName()))
            .withPrimaryToSecondaryMapper(
                (Workload w) ->
                    Set.of(new ResourceID(clusterName(w), w.getMetadata().getNamespace())))
            // the domain, or the cluster's coming and going; its status changes concern no workload
            .withOnUpdateFilter(
                (MeshCluster next, MeshCluster previous) ->
                    !Objects.equals(
                        next.getMetadata().getGeneration(), previous.getMetadata().getGeneration()))
            .build();
    // a peer's change may free room, take it, or strand replicas: every workload of its cluster
    // looks
    var peerSource =
        InformerEventSourceConfiguration.from(Peer.class, Workload.class)
            .withItemStore(new LeanItemStore<Peer>())
            .withSecondaryToPrimaryMapper(
                (Peer peer) ->
                    workloadsOf(
                        workloads,
                        peer.getMetadata().getNamespace(),
                        peer.getSpec() == null || peer.getSpec().getClusterRef() == null
                            ? ""
                            : peer.getSpec().getClusterRef().getName()))
            .withOnUpdateFilter(ClusterView::mattersToPlacement)
            .build();
    peers = new InformerEventSource<>(peerSource, context);
    // an autoscaled pool appearing, going or changing its spec changes what unplaced replicas can
    // hope for
    var poolSource =
        InformerEventSourceConfiguration.from(PeerPool.class, Workload.class)
            .withItemStore(new LeanItemStore<PeerPool>())
            .withSecondaryToPrimaryMapper(
                (PeerPool pool) ->
                    workloadsOf(
                        workloads,
                        pool.getMetadata().getNamespace(),
                        pool.getSpec() == null || pool.getSpec().getClusterRef() == null
                            ? ""
                            : pool.getSpec().getClusterRef().getName()))
            .withOnUpdateFilter(
                (PeerPool next, PeerPool previous) ->
                    !Objects.equals(
                            next.getMetadata().getGeneration(),
                            previous.getMetadata().getGeneration())
                        || next.isMarkedForDeletion() != previous.isMarkedForDeletion())
            .build();
    pools = new InformerEventSource<>(poolSource, context);
    SimpleInboundEventSource<Workload> replicaReports =
        new SimpleInboundEventSource<>("replica-reports");
    reports.onReplicasChange(
        (namespace, workload) ->
            replicaReports.propagateEvent(new ResourceID(workload, namespace)));
    return List.of(new InformerEventSource<>(clusters, context), peers, pools, replicaReports);
  }

  /** What the cluster's other workloads reserve, by peer. */
  private Scheduler.Ledger ledger(
      Context<Workload> context, Workload workload, String clusterName) {
    List<Demand> others =
        context
            .getPrimaryCache()
            .list(
                workload.getMetadata().getNamespace(),
                w ->
                    clusterName.equals(clusterName(w))
                        && !w.getMetadata().getName().equals(workload.getMetadata().getName()))
            .map(other -> ClusterView.demand(other, placementsOf(other)))
            .toList();
    return Scheduler.Ledger.reserving(others);
  }

  /**
   * With autoscaled pools in the cluster, what cannot be placed says whether a pool can grow for
   * it; replicas no pool's peers could hold are NoMatchingPeer with the reason.
   */
  private Scheduler.Decision withWhatPoolsCanDo(
      Workload workload, MeshCluster cluster, Scheduler.Decision decision) {
    List<PeerPool> autoscaled =
        pools
            .list(
                workload.getMetadata().getNamespace(),
                p ->
                    p.getSpec().getAutoscaling() != null
                        && !p.isMarkedForDeletion()
                        && cluster
                            .getMetadata()
                            .getName()
                            .equals(p.getSpec().getClusterRef().getName()))
            .toList();
    if (autoscaled.isEmpty()) {
      return decision;
    }
    List<Autoscaler.Pool> pools =
        autoscaled.stream()
            .map(p -> AutoscalerView.pool(p, List.of(), capacities.of(cluster, p).capacity(), 0))
            .toList();
    Optional<String> why =
        Autoscaler.whyNoPoolFits(ClusterView.demand(workload, placementsOf(workload)), pools);
    if (why.isPresent()) {
      return new Scheduler.Decision(
          decision.placements(),
          decision.unplaced(),
          Scheduler.NO_MATCHING_PEER,
          decision.message() + "; " + why.get());
    }
    // no peer of today may match, but a pool's new one will: waiting for room, not a mismatch
    return new Scheduler.Decision(
        decision.placements(),
        decision.unplaced(),
        Scheduler.NO_RESOURCES_AVAILABLE,
        decision.message() + "; the autoscaler adds peers for them");
  }

  /** The status patch when it changed, with an event for each condition that moved. */
  private UpdateControl<Workload> patchStatusTelling(Workload workload, WorkloadStatus status) {
    UpdateControl<Workload> control = StatusPatch.ifChanged(workload, status, Workload::new);
    if (control.isPatchStatus()) {
      events.conditionsChanged(
          workload,
          workload.getStatus() == null ? null : workload.getStatus().getConditions(),
          status.getConditions());
    }
    return control;
  }

  @Override
  public ErrorStatusUpdateControl<Workload> updateErrorStatus(
      Workload resource, Context<Workload> context, Exception e) {
    return StatusPatch.failed(resource, WorkloadStatus::new, Workload::new, e, clock.instant());
  }

  @Override
  public UpdateControl<Workload> reconcile(Workload workload, Context<Workload> context) {
    Instant now = clock.instant();
    String namespace = workload.getMetadata().getNamespace();
    String clusterName = clusterName(workload);
    Optional<MeshCluster> cluster =
        context.getSecondaryResource(MeshCluster.class).filter(c -> !c.isMarkedForDeletion());
    if (cluster.isEmpty()) {
      forget(workload);
      return patchStatusTelling(workload, WorkloadStatusBuilder.clusterNotFound(workload, now));
    }
    List<Peer> clusterPeers =
        peers
            .list(
                namespace,
                p ->
                    p.getSpec() != null
                        && p.getSpec().getClusterRef() != null
                        && clusterName.equals(p.getSpec().getClusterRef().getName()))
            .toList();
    Map<String, Peer> byName =
        clusterPeers.stream()
            .collect(
                Collectors.toMap(
                    p -> p.getMetadata().getName(), p -> p, (a, b) -> a, LinkedHashMap::new));
    List<Node> nodes =
        clusterPeers.stream().map(p -> ClusterView.node(p, now, config.notReadyGrace())).toList();

    WorkloadTemplate update = Templates.of(workload);
    String updateRevision = Templates.revision(update);
    int wanted = workload.getSpec().getReplicas() == null ? 1 : workload.getSpec().getReplicas();
    int maxSurge = strategyValue(workload, true, wanted);
    int maxUnavailable = strategyValue(workload, false, wanted);
    if (maxSurge == 0 && maxUnavailable == 0) {
      maxSurge = 1; // a rollout that may do nothing would never end
    }
    Scheduler.Decision decision;
    Rollout.Plan plan;
    Placements placements = placements(namespace, clusterName);
    synchronized (
        placements) { // one workload of a cluster is placed at a time: they share its room
      Map<Integer, String> current = placementsOf(workload);
      Map<Integer, String> revisions = revisionsOf(workload);
      plan =
          Rollout.plan(
              wanted,
              updateRevision,
              asTheyAre(workload, current, revisions, updateRevision, byName),
              maxSurge,
              maxUnavailable);
      Map<Integer, String> kept = new TreeMap<>(current);
      kept.keySet().retainAll(plan.replicas().keySet());
      Demand demand =
          ClusterView.demand(workload, kept)
              .withIndices(new TreeSet<>(plan.replicas().keySet()), kept);
      // a replica on a draining peer is one the plan replaces: a new one elsewhere first
      decision = Scheduler.place(nodes, demand, ledger(context, workload, clusterName));
      placements.decided.put(ClusterView.key(workload), decision.placements());
      placements.revisions.put(ClusterView.key(workload), plan.replicas());
    }
    if (!decision.scheduled()) {
      decision = withWhatPoolsCanDo(workload, cluster.get(), decision);
    }

    TemplateResolver.Resolution updateResolution = templates.resolve(namespace, update);
    Duration deadline =
        Duration.ofSeconds(
            Objects.requireNonNullElse(workload.getSpec().getProgressDeadlineSeconds(), 600));
    WorkloadStatus status =
        WorkloadStatusBuilder.status(
            workload,
            decision,
            byName,
            (peer, replica) -> replicaReport(namespace, peer, replica),
            updateResolution.unresolved(),
            new WorkloadStatusBuilder.RolloutView(
                plan, updateRevision, update, maxUnavailable, deadline),
            now);
    hub.workloadChanged(
        namespace,
        clusterName,
        workload.getMetadata().getName(),
        Optional.of(
            templates.mapOf(
                workload, status, cluster.get().getSpec().getDomain(), updateResolution)));

    UpdateControl<Workload> control = patchStatusTelling(workload, status);
    // no informer watches users' Secrets: a missing one is looked for again like missing room
    Optional<Duration> envRecheck =
        updateResolution.unresolved().map(p -> config.unplacedRecheck());
    // a rollout that stalls says so when its deadline passes, without an event to wake it
    Optional<Duration> deadlineCheck =
        plan.complete()
            ? Optional.empty()
            : Optional.of(
                    Duration.between(now, Instant.parse(status.getProgressedAt()).plus(deadline))
                        .plusSeconds(1))
                .filter(d -> !d.isNegative());
    Stream.of(nextLook(decision, byName, now), envRecheck, deadlineCheck)
        .flatMap(Optional::stream)
        .min(Duration::compareTo)
        .ifPresent(after -> StatusPatch.recheckAfter(control, after));
    return control;
  }

  @Override
  public DeleteControl cleanup(Workload workload, Context<Workload> context) {
    forget(workload);
    return DeleteControl.defaultDelete();
  }

  private void forget(Workload workload) {
    coordinators
        .existing(workload.getMetadata().getNamespace(), clusterName(workload))
        .ifPresent(
            c ->
                c.state(Placements.class, Placements::new)
                    .decided
                    .remove(ClusterView.key(workload)));
    hub.workloadChanged(
        workload.getMetadata().getNamespace(),
        clusterName(workload),
        workload.getMetadata().getName(),
        Optional.empty());
  }

  private Placements placements(String namespace, String cluster) {
    return coordinators.of(namespace, cluster).state(Placements.class, Placements::new);
  }

  /** This process's latest decision, else what status says (after a restart or a failover). */
  private Map<Integer, String> placementsOf(Workload workload) {
    Map<Integer, String> known =
        placements(workload.getMetadata().getNamespace(), clusterName(workload))
            .decided
            .get(ClusterView.key(workload));
    return known != null ? known : ClusterView.currentPlacements(workload);
  }

  /**
   * The workload's replicas as the rollout sees them: the revision each runs, whether its agent
   * says it is ready, whether its peer is draining (then it is replaced like an outdated one).
   */
  private List<Rollout.Replica> asTheyAre(
      Workload workload,
      Map<Integer, String> current,
      Map<Integer, String> revisions,
      String updateRevision,
      Map<String, Peer> peers) {
    String namespace = workload.getMetadata().getNamespace();
    return current.entrySet().stream()
        .map(
            e ->
                new Rollout.Replica(
                    e.getKey(),
                    revisions.getOrDefault(e.getKey(), updateRevision),
                    replicaReport(
                            namespace,
                            e.getValue(),
                            WorkloadStatusBuilder.replicaName(workload, e.getKey()))
                        .map(ReplicaStatus::serving)
                        .orElse(false),
                    peers.containsKey(e.getValue())
                        && ClusterView.draining(peers.get(e.getValue()))))
        .toList();
  }

  /** The revision of each replica: this process's latest step, else what status says. */
  private Map<Integer, String> revisionsOf(Workload workload) {
    Map<Integer, String> known =
        placements(workload.getMetadata().getNamespace(), clusterName(workload))
            .revisions
            .get(ClusterView.key(workload));
    if (known != null) {
      return known;
    }
    Map<Integer, String> revisions = new TreeMap<>();
    if (workload.getStatus() != null) {
      String prefix = workload.getMetadata().getName() + "-";
      for (ReplicaPlacement placement : workload.getStatus().getPlacements()) {
        String replica = placement.getReplica();
        if (replica != null && replica.startsWith(prefix) && placement.getRevision() != null) {
          try {
            revisions.put(
                Integer.parseInt(replica.substring(prefix.length())), placement.getRevision());
          } catch (NumberFormatException e) {
            // not a replica name this operator wrote
          }
        }
      }
    }
    return revisions;
  }

  /** maxSurge (rounded up) or maxUnavailable (rounded down) of the spec, 25% by default. */
  static int strategyValue(Workload workload, boolean surge, int wanted) {
    WorkloadStrategy strategy = workload.getSpec().getStrategy();
    IntOrString value =
        strategy == null ? null : surge ? strategy.getMaxSurge() : strategy.getMaxUnavailable();
    if (value == null) {
      return Rollout.resolve("25%", wanted, surge);
    }
    return value.getIntVal() != null
        ? value.getIntVal()
        : Rollout.resolve(value.getStrVal(), wanted, surge);
  }

  private Optional<ReplicaStatus> replicaReport(String namespace, String peer, String replica) {
    return reports
        .latest(namespace, peer)
        .map(r -> r.report().replicas())
        .flatMap(list -> list.stream().filter(r -> replica.equals(r.name())).findFirst());
  }

  /**
   * When to look again without an event: when a NotReady peer's grace ends (its replicas move), and
   * now and then while replicas are unplaced (room may come from other workloads shrinking).
   */
  private Optional<Duration> nextLook(
      Scheduler.Decision decision, Map<String, Peer> byName, Instant now) {
    Optional<Duration> graceEnds =
        decision.placements().values().stream()
            .distinct()
            .map(byName::get)
            .filter(Objects::nonNull)
            .map(p -> ClusterView.movesAt(p, config.notReadyGrace()))
            .flatMap(Optional::stream)
            .filter(t -> t.isAfter(now))
            .min(Instant::compareTo)
            .map(t -> Duration.between(now, t).plusSeconds(1));
    if (!decision.scheduled()) {
      Duration recheck = config.unplacedRecheck();
      return Optional.of(graceEnds.filter(d -> d.compareTo(recheck) < 0).orElse(recheck));
    }
    return graceEnds;
  }

  private static Set<ResourceID> workloadsOf(
      IndexedResourceCache<Workload> workloads, String namespace, String cluster) {
    return workloads
        .list(namespace, w -> cluster.equals(clusterName(w)))
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  static String clusterName(Workload workload) {
    return workload.getSpec() == null || workload.getSpec().getClusterRef() == null
        ? ""
        : workload.getSpec().getClusterRef().getName();
  }
}
