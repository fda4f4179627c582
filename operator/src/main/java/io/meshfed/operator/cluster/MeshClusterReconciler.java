package io.meshfed.operator.cluster;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
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
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshClusterStatus;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPool;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.operator.config.MeshfedConfig;
import io.meshfed.operator.ipam.SubnetAllocator;
import io.meshfed.operator.join.AgentSecrets;
import io.meshfed.operator.join.JoinTokens;
import io.meshfed.operator.netmap.RelayKeeper;
import io.meshfed.operator.provider.CloudAccounts;
import io.meshfed.operator.provider.CredentialSecrets;
import io.meshfed.operator.provider.ProviderContexts;
import io.meshfed.operator.server.AgentApiEndpoint;
import io.meshfed.operator.server.AgentApiTls;
import io.meshfed.operator.support.EventRecorder;
import io.meshfed.operator.support.LeanItemStore;
import io.meshfed.operator.support.StatusPatch;
import io.meshfed.provider.spi.ProviderException;
import io.smallrye.common.annotation.Identifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Keeps a MeshCluster's join token, aggregates its peers into status, and on deletion tears the
 * cluster down: its Workloads, PeerPools and Peers first (each through its own finalizer), then
 * what the operator made for the cluster itself.
 */
@ControllerConfiguration(
    name = "meshcluster",
    informer = @Informer(itemStore = LeanItemStore.class))
public class MeshClusterReconciler implements Reconciler<MeshCluster>, Cleaner<MeshCluster> {
  private static final Logger LOG = Logger.getLogger(MeshClusterReconciler.class);
  private static final String CLUSTER_REF_FIELD = "spec.clusterRef.name";

  private final MeshfedConfig config;
  private final Clock clock;

  private final AgentApiEndpoint agentApi;
  private final CloudAccounts clouds;
  private final AgentApiTls tls;
  private final ClusterMetrics metrics;
  private final RelayKeeper relays;
  private final CredentialSecrets credentialSecrets;
  private final EventRecorder events;

  public MeshClusterReconciler(
      MeshfedConfig config,
      AgentApiEndpoint agentApi,
      CloudAccounts clouds,
      CredentialSecrets credentialSecrets,
      EventRecorder events,
      ClusterMetrics metrics,
      RelayKeeper relays,
      @Identifier("agent-api") AgentApiTls tls,
      Clock clock) {
    this.clock = clock;
    this.config = config;
    this.tls = tls;
    this.agentApi = agentApi;
    this.clouds = clouds;
    this.metrics = metrics;
    this.relays = relays;
    this.credentialSecrets = credentialSecrets;
    this.events = events;
  }

  @Override
  public List<EventSource<?, MeshCluster>> prepareEventSources(
      EventSourceContext<MeshCluster> context) {
    var peers =
        InformerEventSourceConfiguration.from(Peer.class, MeshCluster.class)
            .withItemStore(new LeanItemStore<Peer>())
            .withSecondaryToPrimaryMapper(
                toCluster((Peer p) -> p.getSpec() == null ? null : p.getSpec().getClusterRef()))
            .build(); // the reconciler lists a cluster's peers from this informer's cache itself
    var tokens =
        InformerEventSourceConfiguration.from(Secret.class, MeshCluster.class)
            .withItemStore(new LeanItemStore<Secret>())
            // ours, but not the agents' Secrets (two per peer): only the join tokens concern a
            // cluster
            .withLabelSelector(
                MeshfedApi.MANAGED_BY_LABEL
                    + "="
                    + MeshfedApi.MANAGER
                    + ",!"
                    + AgentSecrets.ROLE_LABEL)
            .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(MeshCluster.class, false))
            .build();
    // placed replicas make the cluster's allocated resources
    var workloads =
        InformerEventSourceConfiguration.from(Workload.class, MeshCluster.class)
            .withItemStore(new LeanItemStore<Workload>())
            .withSecondaryToPrimaryMapper(
                toCluster((Workload w) -> w.getSpec() == null ? null : w.getSpec().getClusterRef()))
            .build();
    // a rotated agent API CA changes what every cluster tells joining hosts to pin
    SimpleInboundEventSource<MeshCluster> caRotations =
        new SimpleInboundEventSource<>("agent-api-ca");
    tls.onBundleChange(
        () ->
            context
                .getPrimaryCache()
                .list()
                .forEach(cluster -> caRotations.propagateEvent(ResourceID.fromResource(cluster))));
    return List.of(
        new InformerEventSource<>(peers, context),
        new InformerEventSource<>(tokens, context),
        new InformerEventSource<>(workloads, context),
        caRotations);
  }

  @Override
  public ErrorStatusUpdateControl<MeshCluster> updateErrorStatus(
      MeshCluster resource, Context<MeshCluster> context, Exception e) {
    return StatusPatch.failed(
        resource, MeshClusterStatus::new, MeshCluster::new, e, clock.instant());
  }

  @Override
  public UpdateControl<MeshCluster> reconcile(MeshCluster cluster, Context<MeshCluster> context) {
    Instant now = clock.instant();
    String namespace = cluster.getMetadata().getNamespace();
    String tokenName = JoinTokens.secretName(cluster.getMetadata().getName());

    Optional<Secret> token = secretInformer(context).get(new ResourceID(tokenName, namespace));
    if (JoinTokens.needsNewToken(token, now)) {
      Secret fresh = JoinTokens.fresh(cluster, now, token.filter(t -> JoinTokens.token(t) != null));
      // the Secret is the operator's: an annotation someone else changed (kubectl annotate) must
      // not block its renewal
      context
          .getClient()
          .resource(fresh)
          .fieldManager("meshfed-operator")
          .forceConflicts()
          .serverSideApply();
      token = Optional.of(fresh);
      LOG.infof(
          "issued a join token for cluster %s/%s", namespace, cluster.getMetadata().getName());
    }
    Optional<Instant> expiry = JoinTokens.expiry(token.get());

    List<Peer> peers = peersOf(cluster, context);
    Map<ProviderType, CloudAccounts.Verdict> credentials = clouds.verify(cluster);
    MeshClusterStatus status =
        ClusterStatusBuilder.build(
            cluster,
            facts(cluster, context, peers, expiry, credentials, now)
                .withPaths(
                    relays
                        .paths(namespace, cluster.getMetadata().getName())
                        .map(
                            p ->
                                new ClusterStatusBuilder.Paths(
                                    p.pairs(), p.relayed(), p.unreachable()))));
    metrics.record(namespace, cluster.getMetadata().getName(), status.getPeers());
    metrics.joinTokenExpiry(
        namespace, cluster.getMetadata().getName(), status.getJoinTokenExpiresAt());
    if (!credentials.isEmpty()) {
      clouds.collectOrphans(cluster, peerUidsOf(cluster, context));
    }
    // the clusters of the namespace, this one included, keep the credentials they name
    credentialSecrets.keep(namespace, context.getPrimaryCache().list(namespace).toList());
    UpdateControl<MeshCluster> control = StatusPatch.ifChanged(cluster, status, MeshCluster::new);
    // wake up to replace the token when it expires, to check the credentials again (their
    // Secrets are the user's, unwatched) and to look for orphan machines
    Optional<Duration> tokenRenewal = expiry.map(e -> Duration.between(now, e).plusSeconds(1));
    Optional<Duration> cloudRecheck =
        credentials.isEmpty()
            ? Optional.empty()
            : Optional.of(
                min(clouds.nextVerification(credentials), config.cluster().orphanScanInterval()));
    Stream.of(tokenRenewal, cloudRecheck, Optional.of(config.cluster().resyncInterval()))
        .flatMap(Optional::stream)
        .min(Duration::compareTo)
        .ifPresent(d -> StatusPatch.recheckAfter(control, d));
    return control;
  }

  @Override
  public DeleteControl cleanup(MeshCluster cluster, Context<MeshCluster> context) {
    KubernetesClient client = context.getClient();
    String namespace = cluster.getMetadata().getNamespace();
    String name = cluster.getMetadata().getName();

    // Workloads first (they drain from peers), then pools (they own peers), then peers.
    Map<Class<? extends HasMetadata>, List<? extends HasMetadata>> left = new LinkedHashMap<>();
    for (Class<? extends HasMetadata> kind : List.of(Workload.class, PeerPool.class, Peer.class)) {
      var ofCluster =
          client.resources(kind).inNamespace(namespace).withField(CLUSTER_REF_FIELD, name);
      List<? extends HasMetadata> items = ofCluster.list().getItems();
      items.stream()
          .filter(item -> item.getMetadata().getDeletionTimestamp() == null)
          .forEach(item -> client.resource(item).delete());
      left.put(kind, items);
    }
    int remaining = left.values().stream().mapToInt(List::size).sum();
    if (remaining > 0) {
      LOG.infof(
          "cluster %s/%s is being deleted: waiting for %d workloads, pools and peers to go",
          namespace, name, remaining);
      showDeletion(cluster, context, left, Optional.empty());
      return DeleteControl.noFinalizerRemoval()
          .rescheduleAfter(config.cluster().deletionPollInterval().toMillis());
    }
    // no Peer left: whatever is still tagged for the cluster at a cloud is a leak, and then the
    // firewall its machines shared
    try {
      LOG.infof("cluster %s/%s is being deleted: releasing what its clouds hold", namespace, name);
      if (!clouds.release(cluster)) {
        showDeletion(cluster, context, left, Optional.empty());
        return DeleteControl.noFinalizerRemoval()
            .rescheduleAfter(config.cluster().deletionPollInterval().toMillis());
      }
    } catch (ProviderException | ProviderContexts.MissingCredentialsException e) {
      LOG.warnf(
          "cluster %s/%s: releasing its cloud resources: %s", namespace, name, e.getMessage());
      showDeletion(cluster, context, left, Optional.of(e.getMessage()));
      return DeleteControl.noFinalizerRemoval()
          .rescheduleAfter(config.cluster().credentialsRecheckInterval().toMillis());
    }
    // the cluster needs its cloud credentials no more: let the Secrets go unless another needs them
    credentialSecrets.keep(
        namespace,
        context
            .getPrimaryCache()
            .list(namespace)
            .filter(other -> !other.getMetadata().getName().equals(name))
            .toList());
    metrics.forget(namespace, name);
    SubnetAllocator.blocksOf(client, namespace, name)
        .forEach(block -> client.resource(block).delete());
    client.secrets().inNamespace(namespace).withName(JoinTokens.secretName(name)).delete();
    LOG.infof("cluster %s/%s destroyed", namespace, name);
    return DeleteControl.defaultDelete();
  }

  /**
   * The status of a cluster being deleted, written when it changed: what the deletion waits for,
   * and why when it is blocked (an Event too, when the reason changes).
   */
  private void showDeletion(
      MeshCluster cluster,
      Context<MeshCluster> context,
      Map<Class<? extends HasMetadata>, List<? extends HasMetadata>> left,
      Optional<String> releaseFailure) {
    List<Peer> peers =
        left.getOrDefault(Peer.class, List.of()).stream().map(Peer.class::cast).toList();
    ClusterStatusBuilder.Deletion deletion =
        ClusterStatusBuilder.waitingFor(
            namesOf(left.getOrDefault(Workload.class, List.of())),
            namesOf(left.getOrDefault(PeerPool.class, List.of())),
            peers,
            releaseFailure);
    MeshClusterStatus status =
        ClusterStatusBuilder.build(
            cluster,
            facts(
                    cluster,
                    context,
                    peers,
                    Optional.empty(),
                    clouds.verify(cluster),
                    clock.instant())
                .deleting(deletion));
    // compared with what the server has, not the cache: a deletion polls every few seconds, and a
    // cached status one write behind would keep a changed reason from being written
    MeshClusterStatus current =
        Optional.ofNullable(context.getClient().resource(cluster).get())
            .map(MeshCluster::getStatus)
            .orElse(cluster.getStatus());
    if (StatusPatch.changed(current, status)) {
      context
          .getClient()
          .resource(StatusPatch.minimal(cluster, status, MeshCluster::new))
          .patchStatus();
      events.conditionsChanged(
          cluster, current == null ? null : current.getConditions(), status.getConditions());
    }
  }

  /** What the cluster's status is built from, but for its paths and its deletion. */
  private ClusterStatusBuilder.Facts facts(
      MeshCluster cluster,
      Context<MeshCluster> context,
      List<Peer> peers,
      Optional<Instant> tokenExpiry,
      Map<ProviderType, CloudAccounts.Verdict> credentials,
      Instant now) {
    return new ClusterStatusBuilder.Facts(
        peers,
        workloadsOf(cluster, context),
        JoinTokens.secretName(cluster.getMetadata().getName()),
        tokenExpiry,
        credentials,
        Optional.of(agentApi.url()),
        Optional.of(tls.caHash()),
        now);
  }

  private static List<String> namesOf(List<? extends HasMetadata> objects) {
    return objects.stream().map(o -> o.getMetadata().getName()).toList();
  }

  @SuppressWarnings("unchecked")
  private static InformerEventSource<Secret, MeshCluster> secretInformer(
      Context<MeshCluster> context) {
    return (InformerEventSource<Secret, MeshCluster>)
        context.eventSourceRetriever().getEventSourceFor(Secret.class);
  }

  /** An object that names a cluster concerns that cluster. */
  private static <R extends HasMetadata> SecondaryToPrimaryMapper<R> toCluster(
      Function<R, ClusterReference> clusterRef) {
    return object -> {
      var ref = clusterRef.apply(object);
      return ref == null
          ? Set.of()
          : Set.of(new ResourceID(ref.getName(), object.getMetadata().getNamespace()));
    };
  }

  private static List<Peer> peersOf(MeshCluster cluster, Context<MeshCluster> context) {
    return ofCluster(
        cluster,
        context,
        Peer.class,
        p -> p.getSpec() == null ? null : p.getSpec().getClusterRef());
  }

  private static List<Workload> workloadsOf(MeshCluster cluster, Context<MeshCluster> context) {
    return ofCluster(
        cluster,
        context,
        Workload.class,
        w -> w.getSpec() == null ? null : w.getSpec().getClusterRef());
  }

  /** The objects of a kind that name this cluster, from that kind's informer. */
  @SuppressWarnings("unchecked")
  private static <R extends HasMetadata> List<R> ofCluster(
      MeshCluster cluster,
      Context<MeshCluster> context,
      Class<R> kind,
      Function<R, ClusterReference> clusterRef) {
    var informer =
        (InformerEventSource<R, MeshCluster>)
            context.eventSourceRetriever().getEventSourceFor(kind);
    String name = cluster.getMetadata().getName();
    return informer
        .list(
            cluster.getMetadata().getNamespace(),
            r -> {
              var ref = clusterRef.apply(r);
              return ref != null && name.equals(ref.getName());
            })
        .toList();
  }

  private static Set<String> peerUidsOf(MeshCluster cluster, Context<MeshCluster> context) {
    return peersOf(cluster, context).stream()
        .map(p -> p.getMetadata().getUid())
        .collect(Collectors.toSet());
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
