package io.meshfed.operator.pool;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
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
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.PeerPool;
import io.meshfed.api.v1alpha1.PeerPoolSpec;
import io.meshfed.api.v1alpha1.PeerPoolStatus;
import io.meshfed.api.v1alpha1.PeerSpec;
import io.meshfed.api.v1alpha1.ScaleRecord;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.operator.autoscaler.Autoscaler;
import io.meshfed.operator.autoscaler.AutoscalerView;
import io.meshfed.operator.autoscaler.PoolCapacities;
import io.meshfed.operator.config.MeshfedConfig;
import io.meshfed.operator.coordinator.ClusterCoordinators;
import io.meshfed.operator.support.ClusterEvents;
import io.meshfed.operator.support.Conditions;
import io.meshfed.operator.support.EventRecorder;
import io.meshfed.operator.support.LeanItemStore;
import io.meshfed.operator.support.StatusPatch;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Keeps a PeerPool's Peers: as many as it wants, made from its template, owned by it, named {@code
 * <pool>-<n>}. Shrinking removes the peers with the fewest workload replicas first; a Peer's own
 * finalizer then drains nothing more than its machine. Deleting the pool deletes its Peers first
 * (clusters without a garbage collector included).
 */
@ControllerConfiguration(name = "peerpool", informer = @Informer(itemStore = LeanItemStore.class))
public class PeerPoolReconciler implements Reconciler<PeerPool>, Cleaner<PeerPool> {
  private static final Logger LOG = Logger.getLogger(PeerPoolReconciler.class);
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  static final String READY = "Ready";

  static final String CAPACITY_KNOWN = "CapacityKnown";

  private final MeshfedConfig config;
  private final PoolCapacities capacities;
  private final EventRecorder events;
  private final Clock clock;
  private final MeterRegistry metrics;

  /** Scale decisions by pool and direction: what the autoscaler (or a bounds change) did. */
  static final String SCALE_DECISIONS = "meshfed.pool.scale.decisions";

  private InformerEventSource<Peer, PeerPool> peers;
  private InformerEventSource<Workload, PeerPool> workloads;
  private final ClusterCoordinators coordinators;

  /** How long one cluster decision serves the other pools' reconciles when nothing changed. */
  static final Duration DECISION_REUSE = Duration.ofSeconds(1);

  /**
   * A cluster's autoscaling as this process last decided it: the sizes it told each pool (newer
   * than what the cache may show yet) and the last decision with the inputs it was made from, so
   * the cluster's other pools, woken by the same change, take their part of it instead of deciding
   * the whole cluster again.
   */
  static final class Scaling {
    final Map<String, Integer> decided = new ConcurrentHashMap<>();
    List<String> lastInputs;
    Autoscaler.Decision lastDecision;
    Instant lastAt;
  }

  public PeerPoolReconciler(
      MeshfedConfig config,
      PoolCapacities capacities,
      EventRecorder events,
      ClusterCoordinators coordinators,
      Clock clock,
      MeterRegistry metrics) {
    this.metrics = metrics;
    this.coordinators = coordinators;
    this.clock = clock;
    this.config = config;
    this.capacities = capacities;
    this.events = events;
  }

  private void scaled(PeerPool pool, String direction) {
    metrics
        .counter(
            SCALE_DECISIONS,
            "namespace",
            pool.getMetadata().getNamespace(),
            "pool",
            pool.getMetadata().getName(),
            "direction",
            direction)
        .increment();
  }

  @Override
  public List<EventSource<?, PeerPool>> prepareEventSources(EventSourceContext<PeerPool> context) {
    var pools = context.getPrimaryCache();
    var owners = Mappers.<Peer>fromOwnerReferences(PeerPool.class, false);
    // every Peer: a pool's own wake their pool; any peer of a cluster wakes its autoscaled pools
    // (room appeared or went, a drained peer emptied)
    var peers =
        InformerEventSourceConfiguration.from(Peer.class, PeerPool.class)
            .withItemStore(new LeanItemStore<Peer>())
            .withSecondaryToPrimaryMapper(
                (Peer peer) -> {
                  Set<ResourceID> ids = new HashSet<>(owners.toPrimaryResourceIDs(peer));
                  ids.addAll(
                      autoscaledPools(pools, peer.getMetadata().getNamespace(), clusterOf(peer)));
                  return ids;
                })
            .withOnUpdateFilter(AutoscalerView::mattersToAutoscaling)
            .build();
    // a workload's replicas that cannot be placed (or that went away) wake its cluster's autoscaled
    // pools
    var workloads =
        InformerEventSourceConfiguration.from(Workload.class, PeerPool.class)
            .withItemStore(new LeanItemStore<Workload>())
            .withSecondaryToPrimaryMapper(
                (Workload w) ->
                    autoscaledPools(
                        pools,
                        w.getMetadata().getNamespace(),
                        w.getSpec() == null || w.getSpec().getClusterRef() == null
                            ? null
                            : w.getSpec().getClusterRef().getName()))
            .build();
    this.peers = new InformerEventSource<>(peers, context);
    this.workloads = new InformerEventSource<>(workloads, context);
    return List.of(
        this.peers,
        this.workloads,
        ClusterEvents.source( // the pool's cluster: its creation, spec and deletion
            PeerPool.class, context, p -> p.getSpec().getClusterRef().getName()));
  }

  private static Set<ResourceID> autoscaledPools(
      IndexedResourceCache<PeerPool> pools, String namespace, String cluster) {
    if (cluster == null) {
      return Set.of();
    }
    return pools
        .list(
            namespace,
            p ->
                p.getSpec().getAutoscaling() != null
                    && cluster.equals(p.getSpec().getClusterRef().getName()))
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  private static String clusterOf(Peer peer) {
    return peer.getSpec() == null || peer.getSpec().getClusterRef() == null
        ? null
        : peer.getSpec().getClusterRef().getName();
  }

  @Override
  public ErrorStatusUpdateControl<PeerPool> updateErrorStatus(
      PeerPool resource, Context<PeerPool> context, Exception e) {
    return StatusPatch.failed(resource, PeerPoolStatus::new, PeerPool::new, e, clock.instant());
  }

  @Override
  public UpdateControl<PeerPool> reconcile(PeerPool pool, Context<PeerPool> context) {
    PeerPoolStatus status =
        pool.getStatus() == null ? new PeerPoolStatus() : SERIALIZATION.clone(pool.getStatus());
    status.setObservedGeneration(pool.getMetadata().getGeneration());
    Conditions conditions =
        new Conditions(status.getConditions(), pool.getMetadata().getGeneration(), clock.instant());
    String namespace = pool.getMetadata().getNamespace();
    String clusterName = pool.getSpec().getClusterRef().getName();

    List<Peer> peers = this.peers.list(namespace, p -> ownedBy(p, pool)).toList();
    List<PoolPlan.Member> members =
        peers.stream()
            .map(
                p ->
                    new PoolPlan.Member(
                        p.getMetadata().getName(), p.isMarkedForDeletion(), ready(p), 0))
            .toList();
    int live = (int) members.stream().filter(m -> !m.terminating()).count();
    status.setReplicas(live);
    status.setReadyReplicas(
        (int) members.stream().filter(m -> !m.terminating() && m.ready()).count());

    MeshCluster cluster = context.getSecondaryResource(MeshCluster.class).orElse(null);
    if (cluster == null) {
      status.setDesiredReplicas(
          pool.getSpec().getAutoscaling() == null
              ? desired(pool.getSpec(), live)
              : status.getDesiredReplicas());
      conditions.set(
          READY,
          false,
          "ClusterNotFound",
          "MeshCluster "
              + clusterName
              + " does not exist in namespace "
              + namespace
              + "; the pool makes no peers until it does");
      status.setConditions(conditions.build());
      return StatusPatch.recheckAfter(
          StatusPatch.ifChanged(pool, status, PeerPool::new),
          config.cluster().credentialsRecheckInterval());
    }
    if (pool.getSpec().getAutoscaling() != null) {
      return autoscale(pool, context, cluster, peers, status, conditions);
    }
    int desired = desired(pool.getSpec(), live);
    status.setDesiredReplicas(desired);

    if (live > desired) {
      // who leaves: the fewest replicas first, so the least work moves
      Map<String, Integer> replicas = replicasByPeer(namespace, clusterName);
      members =
          members.stream()
              .map(
                  m ->
                      new PoolPlan.Member(
                          m.name(), m.terminating(), m.ready(), replicas.getOrDefault(m.name(), 0)))
              .toList();
    }
    PoolPlan.Plan plan = PoolPlan.plan(pool.getMetadata().getName(), desired, members);
    for (String name : plan.create()) {
      create(context, pool, name);
    }
    for (String name : plan.delete()) {
      context.getClient().resources(Peer.class).inNamespace(namespace).withName(name).delete();
      LOG.infof(
          "pool %s/%s: removed peer %s (%d > %d)",
          namespace, pool.getMetadata().getName(), name, live, desired);
    }

    int ready = status.getReadyReplicas();
    if (!plan.create().isEmpty() || !plan.delete().isEmpty() || live != desired) {
      conditions.set(
          READY,
          false,
          "Scaling",
          "scaling from "
              + live
              + " to "
              + desired
              + " peers"
              + (plan.create().isEmpty() ? "" : "; adding " + plan.create())
              + (plan.delete().isEmpty() ? "" : "; removing " + plan.delete()));
    } else if (ready < desired) {
      conditions.set(READY, false, "PeersNotReady", ready + "/" + desired + " peers are Ready");
    } else {
      conditions.set(READY, true, "PoolReady", "all " + desired + " peers are Ready");
    }
    status.setConditions(conditions.build());
    return StatusPatch.ifChanged(pool, status, PeerPool::new);
  }

  /**
   * An autoscaled pool: the cluster's decision (all its autoscaled pools at once, so every pool's
   * reconcile agrees), then this pool's part of it. The wanted size lives in status, never spec.
   */
  private UpdateControl<PeerPool> autoscale(
      PeerPool pool,
      Context<PeerPool> context,
      MeshCluster cluster,
      List<Peer> members,
      PeerPoolStatus status,
      Conditions conditions) {
    String namespace = pool.getMetadata().getNamespace();
    String clusterName = cluster.getMetadata().getName();
    Instant now = clock.instant();
    Autoscaler.PoolDecision mine;
    PoolCapacities.Lookup capacity = capacities.of(cluster, pool);
    Scaling scaling = scaling(namespace, clusterName);
    synchronized (scaling) {
      List<Peer> clusterPeers =
          peers.list(namespace, p -> clusterName.equals(clusterOf(p))).toList();
      List<Workload> clusterWorkloads =
          workloads
              .list(
                  namespace,
                  w ->
                      w.getSpec() != null
                          && w.getSpec().getClusterRef() != null
                          && clusterName.equals(w.getSpec().getClusterRef().getName()))
              .toList();
      List<Autoscaler.Pool> pools =
          context
              .getPrimaryCache()
              .list(
                  namespace,
                  p ->
                      p.getSpec().getAutoscaling() != null
                          && !p.isMarkedForDeletion()
                          && clusterName.equals(p.getSpec().getClusterRef().getName()))
              .map(
                  p ->
                      AutoscalerView.pool(
                          p,
                          clusterPeers.stream().filter(peer -> ownedBy(peer, p)).toList(),
                          p.getMetadata().getName().equals(pool.getMetadata().getName())
                              ? capacity.capacity()
                              : capacities.of(cluster, p).capacity(),
                          lastWanted(scaling, p)))
              .toList();
      List<String> inputs = inputsOf(cluster, pools, clusterPeers, clusterWorkloads);
      Autoscaler.Decision decision;
      if (inputs.equals(scaling.lastInputs) && scaling.lastAt.plus(DECISION_REUSE).isAfter(now)) {
        decision = scaling.lastDecision;
      } else {
        decision =
            Autoscaler.decide(
                new Autoscaler.Input(
                    pools,
                    AutoscalerView.hosts(
                        clusterPeers, clusterWorkloads, now, config.scheduler().notReadyGrace()),
                    AutoscalerView.pending(clusterWorkloads),
                    AutoscalerView.limits(cluster, clusterPeers, pools),
                    now));
        scaling.lastInputs = inputs;
        scaling.lastDecision = decision;
        scaling.lastAt = now;
      }
      mine = decision.pools().get(pool.getMetadata().getName());
      scaling.decided.put(key(pool), mine.desired());
    }

    status.setDesiredReplicas(mine.desired());
    Map<String, String> idle = new TreeMap<>();
    mine.idleSince().forEach((peer, since) -> idle.put(peer, since.toString()));
    status.setIdleSince(idle.isEmpty() ? null : idle);
    List<PoolPlan.Member> planMembers =
        members.stream()
            .map(
                p ->
                    new PoolPlan.Member(
                        p.getMetadata().getName(), p.isMarkedForDeletion(), ready(p), 0))
            .toList();
    PoolPlan.Plan plan = PoolPlan.plan(pool.getMetadata().getName(), mine.desired(), planMembers);
    for (String name : plan.create()) {
      create(context, pool, name);
    }
    String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
    if (mine.added() > 0) {
      status.setLastScaleUp(new ScaleRecord(time, plan.create(), mine.scaleUpReason()));
      scaled(pool, "up");
      events.record(
          pool,
          new EventRecorder.Transition(EventRecorder.NORMAL, "ScaledUp", mine.scaleUpReason()));
      LOG.infof("pool %s/%s: %s", namespace, pool.getMetadata().getName(), mine.scaleUpReason());
    }
    // removals: the autoscaler's choice, or (bounds lowered under it) the plan's
    List<String> delete = mine.delete().isEmpty() ? plan.delete() : mine.delete();
    for (String name : mine.drain()) {
      annotateDraining(
          context, namespace, name, "idle: its replicas move to other peers, then it is removed");
    }
    for (String name : mine.undrain()) {
      annotateDraining(context, namespace, name, null);
    }
    for (String name : delete) {
      context.getClient().resources(Peer.class).inNamespace(namespace).withName(name).delete();
    }
    if (!delete.isEmpty() || !mine.drain().isEmpty()) {
      String reason =
          mine.scaleDownReason() != null
              ? mine.scaleDownReason()
              : "-" + delete.size() + " peers " + delete + ": minReplicas or maxReplicas changed";
      List<String> affected = new ArrayList<>(delete);
      affected.addAll(mine.drain());
      status.setLastScaleDown(new ScaleRecord(time, affected, reason));
      scaled(pool, "down");
      events.record(
          pool,
          new EventRecorder.Transition(
              EventRecorder.NORMAL, delete.isEmpty() ? "Draining" : "ScaledDown", reason));
      LOG.infof("pool %s/%s: %s", namespace, pool.getMetadata().getName(), reason);
    }

    if (capacity.capacity().isPresent()) {
      conditions.set(
          CAPACITY_KNOWN, true, "CapacityKnown", "each peer holds " + capacity.capacity().get());
    } else {
      conditions.set(
          CAPACITY_KNOWN, false, "CapacityUnknown", "the pool cannot grow: " + capacity.problem());
    }
    int live = status.getReplicas();
    int ready = status.getReadyReplicas();
    if (live != mine.desired() || !mine.drain().isEmpty()) {
      conditions.set(
          READY,
          false,
          "Scaling",
          "scaling from "
              + live
              + " to "
              + mine.desired()
              + " peers"
              + (plan.create().isEmpty() ? "" : "; adding " + plan.create())
              + (delete.isEmpty() ? "" : "; removing " + delete)
              + (mine.drain().isEmpty() ? "" : "; draining " + mine.drain()));
    } else if (ready < mine.desired()) {
      conditions.set(
          READY, false, "PeersNotReady", ready + "/" + mine.desired() + " peers are Ready");
    } else {
      conditions.set(READY, true, "PoolReady", "all " + mine.desired() + " peers are Ready");
    }
    status.setConditions(conditions.build());
    UpdateControl<PeerPool> control = StatusPatch.ifChanged(pool, status, PeerPool::new);
    if (control.isPatchStatus()) {
      events.conditionsChanged(
          pool,
          pool.getStatus() == null ? null : pool.getStatus().getConditions(),
          status.getConditions());
    }
    // idle clocks and cooldowns run out without an event
    return StatusPatch.recheckAfter(control, config.autoscaler().recheckInterval());
  }

  private Scaling scaling(String namespace, String cluster) {
    return coordinators.of(namespace, cluster).state(Scaling.class, Scaling::new);
  }

  /** What a decision is made from, by version: equal inputs make the same decision. */
  private static List<String> inputsOf(
      MeshCluster cluster,
      List<Autoscaler.Pool> pools,
      List<Peer> peers,
      List<Workload> workloads) {
    List<String> inputs = new ArrayList<>(pools.size() + peers.size() + workloads.size() + 1);
    inputs.add(cluster.getMetadata().getResourceVersion());
    pools.forEach(p -> inputs.add(p.toString()));
    peers.forEach(
        p -> inputs.add(p.getMetadata().getName() + "@" + p.getMetadata().getResourceVersion()));
    workloads.forEach(
        w -> inputs.add(w.getMetadata().getName() + "@" + w.getMetadata().getResourceVersion()));
    return inputs;
  }

  /** The size this pool was last told: this process's newer decision, or its status. */
  private int lastWanted(Scaling scaling, PeerPool pool) {
    Integer mine = scaling.decided.get(key(pool));
    if (mine != null) {
      return mine;
    }
    return pool.getStatus() == null || pool.getStatus().getDesiredReplicas() == null
        ? 0
        : pool.getStatus().getDesiredReplicas();
  }

  private static String key(PeerPool pool) {
    return pool.getMetadata().getNamespace()
        + "/"
        + pool.getMetadata().getName()
        + "/"
        + pool.getMetadata().getUid();
  }

  /** Marks (or, with a null reason, unmarks) a pool's peer as draining. */
  private static void annotateDraining(
      Context<PeerPool> context, String namespace, String peer, String reason) {
    String value = reason == null ? "null" : "\"" + reason.replace("\"", "'") + "\"";
    try {
      context
          .getClient()
          .resources(Peer.class)
          .inNamespace(namespace)
          .withName(peer)
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"metadata\":{\"annotations\":{\""
                  + MeshfedApi.DRAINING_ANNOTATION
                  + "\":"
                  + value
                  + "}}}");
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  @Override
  public DeleteControl cleanup(PeerPool pool, Context<PeerPool> context) {
    coordinators
        .existing(pool.getMetadata().getNamespace(), pool.getSpec().getClusterRef().getName())
        .ifPresent(c -> c.state(Scaling.class, Scaling::new).decided.remove(key(pool)));
    var peers =
        context
            .getClient()
            .resources(Peer.class)
            .inNamespace(pool.getMetadata().getNamespace())
            .withLabel(MeshfedApi.POOL_LABEL, pool.getMetadata().getName())
            .list()
            .getItems()
            .stream()
            .filter(p -> ownedBy(p, pool))
            .toList();
    peers.stream()
        .filter(p -> !p.isMarkedForDeletion())
        .forEach(p -> context.getClient().resource(p).delete());
    if (!peers.isEmpty()) {
      return DeleteControl.noFinalizerRemoval()
          .rescheduleAfter(config.cluster().deletionPollInterval().toMillis());
    }
    return DeleteControl.defaultDelete();
  }

  /** A fixed pool holds spec.replicas; an autoscaled one holds what it has, within its bounds. */
  static int desired(PeerPoolSpec spec, int live) {
    if (spec.getAutoscaling() == null) {
      return spec.getReplicas() == null ? 1 : spec.getReplicas();
    }
    int min =
        spec.getAutoscaling().getMinReplicas() == null ? 0 : spec.getAutoscaling().getMinReplicas();
    int max =
        spec.getAutoscaling().getMaxReplicas() == null
            ? Integer.MAX_VALUE
            : spec.getAutoscaling().getMaxReplicas();
    return Math.max(min, Math.min(max, live));
  }

  private void create(Context<PeerPool> context, PeerPool pool, String name) {
    PeerPoolSpec template = pool.getSpec();
    PeerSpec spec = new PeerSpec();
    spec.setClusterRef(template.getClusterRef());
    spec.setProvider(template.getProvider());
    spec.setRoles(template.getRoles());
    spec.setLabels(template.getLabels());
    spec.setRegion(template.getRegion());
    spec.setZone(template.getZone());
    spec.setInstanceType(template.getInstanceType());
    spec.setImage(template.getImage());
    Peer peer = new Peer();
    peer.getMetadata().setName(name);
    peer.getMetadata().setNamespace(pool.getMetadata().getNamespace());
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(MeshfedApi.POOL_LABEL, pool.getMetadata().getName());
    labels.put(MeshfedApi.MANAGED_BY_LABEL, MeshfedApi.MANAGER);
    peer.getMetadata().setLabels(labels);
    peer.getMetadata()
        .setOwnerReferences(
            List.of(
                new OwnerReferenceBuilder()
                    .withApiVersion(MeshfedApi.API_VERSION)
                    .withKind("PeerPool")
                    .withName(pool.getMetadata().getName())
                    .withUid(pool.getMetadata().getUid())
                    .withController(true)
                    .withBlockOwnerDeletion(true)
                    .build()));
    peer.setSpec(spec);
    try {
      context.getClient().resource(peer).create();
      LOG.infof(
          "pool %s/%s: made peer %s",
          pool.getMetadata().getNamespace(), pool.getMetadata().getName(), name);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      // made by a reconcile whose result the cache has not shown yet: the deterministic name says
      // so
    }
  }

  /** Replicas per peer of the cluster, from the Workload informer this reconciler already keeps. */
  private Map<String, Integer> replicasByPeer(String namespace, String cluster) {
    Map<String, Integer> replicas = new HashMap<>();
    workloads
        .list(
            namespace,
            w ->
                w.getSpec() != null
                    && w.getSpec().getClusterRef() != null
                    && cluster.equals(w.getSpec().getClusterRef().getName())
                    && w.getStatus() != null)
        .forEach(
            w ->
                w.getStatus()
                    .getPlacements()
                    .forEach(p -> replicas.merge(p.getPeer(), 1, Integer::sum)));
    return replicas;
  }

  private static boolean ownedBy(Peer peer, PeerPool pool) {
    return peer.getMetadata().getOwnerReferences() != null
        && peer.getMetadata().getOwnerReferences().stream()
            .anyMatch(o -> pool.getMetadata().getUid().equals(o.getUid()));
  }

  private static boolean ready(Peer peer) {
    return peer.getStatus() != null && peer.getStatus().getPhase() == PeerPhase.READY;
  }
}
