package io.meshfed.operator.pool;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
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
import io.meshfed.api.v1alpha1.ReplicaPlacement;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.operator.config.MeshfedConfig;
import io.meshfed.operator.support.Conditions;
import io.meshfed.operator.support.LeanItemStore;
import io.meshfed.operator.support.StatusPatch;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Keeps a PeerPool's Peers: as many as it wants, made from its template, owned by it, named
 * {@code <pool>-<n>}. Shrinking removes the peers with the fewest workload replicas first; a
 * Peer's own finalizer then drains nothing more than its machine. Deleting the pool deletes its
 * Peers first (clusters without a garbage collector included).
 */
@ControllerConfiguration(name = "peerpool", informer = @Informer(itemStore = LeanItemStore.class))
public class PeerPoolReconciler implements Reconciler<PeerPool>, Cleaner<PeerPool> {
  private static final Logger LOG = Logger.getLogger(PeerPoolReconciler.class);
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  static final String READY = "Ready";

  private final MeshfedConfig config;
  private final Clock clock = Clock.systemUTC();

  public PeerPoolReconciler(MeshfedConfig config) {
    this.config = config;
  }

  @Override
  public List<EventSource<?, PeerPool>> prepareEventSources(EventSourceContext<PeerPool> context) {
    var peers = InformerEventSourceConfiguration.from(Peer.class, PeerPool.class)
        .withItemStore(new LeanItemStore<Peer>())
        .withLabelSelector(MeshfedApi.POOL_LABEL)
        .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(PeerPool.class, false))
        .build();
    return List.of(new InformerEventSource<>(peers, context));
  }

  @Override
  public UpdateControl<PeerPool> reconcile(PeerPool pool, Context<PeerPool> context) {
    PeerPoolStatus status = pool.getStatus() == null ? new PeerPoolStatus() : SERIALIZATION.clone(pool.getStatus());
    status.setObservedGeneration(pool.getMetadata().getGeneration());
    Conditions conditions = new Conditions(status.getConditions(), pool.getMetadata().getGeneration(), clock.instant());
    String namespace = pool.getMetadata().getNamespace();
    String clusterName = pool.getSpec().getClusterRef().getName();

    List<Peer> peers = context.getSecondaryResources(Peer.class).stream()
        .filter(p -> ownedBy(p, pool))
        .toList();
    List<PoolPlan.Member> members = peers.stream()
        .map(p -> new PoolPlan.Member(p.getMetadata().getName(), p.isMarkedForDeletion(), ready(p), 0))
        .toList();
    int live = (int) members.stream().filter(m -> !m.terminating()).count();
    int desired = desired(pool.getSpec(), live);
    status.setDesiredReplicas(desired);
    status.setReplicas(live);
    status.setReadyReplicas((int) members.stream().filter(m -> !m.terminating() && m.ready()).count());

    if (context.getClient().resources(MeshCluster.class).inNamespace(namespace).withName(clusterName).get() == null) {
      conditions.set(READY, false, "ClusterNotFound", "MeshCluster " + clusterName + " does not exist in namespace "
          + namespace + "; the pool makes no peers until it does");
      status.setConditions(conditions.build());
      return StatusPatch.ifChanged(pool, status, PeerPool::new)
          .rescheduleAfter(config.cluster().credentialsRecheckInterval());
    }

    if (live > desired) {
      // who leaves: the fewest replicas first, so the least work moves
      Map<String, Integer> replicas = replicasByPeer(context, namespace, clusterName);
      members = members.stream()
          .map(m -> new PoolPlan.Member(m.name(), m.terminating(), m.ready(), replicas.getOrDefault(m.name(), 0)))
          .toList();
    }
    PoolPlan.Plan plan = PoolPlan.plan(pool.getMetadata().getName(), desired, members);
    for (String name : plan.create()) {
      create(context, pool, name);
    }
    for (String name : plan.delete()) {
      context.getClient().resources(Peer.class).inNamespace(namespace).withName(name).delete();
      LOG.infof("pool %s/%s: removed peer %s (%d > %d)", namespace, pool.getMetadata().getName(), name, live, desired);
    }

    int ready = status.getReadyReplicas();
    if (!plan.create().isEmpty() || !plan.delete().isEmpty() || live != desired) {
      conditions.set(READY, false, "Scaling", "scaling from " + live + " to " + desired + " peers"
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

  @Override
  public DeleteControl cleanup(PeerPool pool, Context<PeerPool> context) {
    var peers = context.getClient().resources(Peer.class).inNamespace(pool.getMetadata().getNamespace())
        .withLabel(MeshfedApi.POOL_LABEL, pool.getMetadata().getName()).list().getItems().stream()
        .filter(p -> ownedBy(p, pool))
        .toList();
    peers.stream().filter(p -> !p.isMarkedForDeletion()).forEach(p -> context.getClient().resource(p).delete());
    if (!peers.isEmpty()) {
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(config.cluster().deletionPollInterval().toMillis());
    }
    return DeleteControl.defaultDelete();
  }

  /** A fixed pool holds spec.replicas; an autoscaled one holds what it has, within its bounds. */
  static int desired(PeerPoolSpec spec, int live) {
    if (spec.getAutoscaling() == null) {
      return spec.getReplicas() == null ? 1 : spec.getReplicas();
    }
    int min = spec.getAutoscaling().getMinReplicas() == null ? 0 : spec.getAutoscaling().getMinReplicas();
    int max = spec.getAutoscaling().getMaxReplicas() == null ? Integer.MAX_VALUE : spec.getAutoscaling().getMaxReplicas();
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
    peer.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder()
        .withApiVersion(MeshfedApi.API_VERSION).withKind("PeerPool").withName(pool.getMetadata().getName())
        .withUid(pool.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build()));
    peer.setSpec(spec);
    try {
      context.getClient().resource(peer).create();
      LOG.infof("pool %s/%s: made peer %s", pool.getMetadata().getNamespace(), pool.getMetadata().getName(), name);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      // made by a reconcile whose result the cache has not shown yet: the deterministic name says so
    }
  }

  private static Map<String, Integer> replicasByPeer(Context<PeerPool> context, String namespace, String cluster) {
    Map<String, Integer> replicas = new HashMap<>();
    for (Workload workload : context.getClient().resources(Workload.class).inNamespace(namespace).list().getItems()) {
      if (workload.getSpec() == null || workload.getSpec().getClusterRef() == null
          || !cluster.equals(workload.getSpec().getClusterRef().getName()) || workload.getStatus() == null) {
        continue;
      }
      for (ReplicaPlacement placement : workload.getStatus().getPlacements()) {
        replicas.merge(placement.getPeer(), 1, Integer::sum);
      }
    }
    return replicas;
  }

  private static boolean ownedBy(Peer peer, PeerPool pool) {
    return peer.getMetadata().getOwnerReferences() != null && peer.getMetadata().getOwnerReferences().stream()
        .anyMatch(o -> pool.getMetadata().getUid().equals(o.getUid()));
  }

  private static boolean ready(Peer peer) {
    return peer.getStatus() != null && peer.getStatus().getPhase() == PeerPhase.READY;
  }
}
