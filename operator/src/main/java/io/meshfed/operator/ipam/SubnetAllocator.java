package io.meshfed.operator.ipam;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.operator.config.MeshfedConfig;
import io.meshfed.operator.coordinator.ClusterCoordinators;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.net.HttpURLConnection;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Hands out peer subnets. The allocation table lives in one ConfigMap per cluster and every change
 * is a compare-and-swap on its resourceVersion, so concurrent reconciles and several operator
 * replicas can never hand out one subnet twice, and nothing is lost in a restart. The table is
 * always read from the API server, never from a cache, so the write is made against the newest
 * version.
 */
@Singleton
public class SubnetAllocator {
  private static final Logger LOG = Logger.getLogger(SubnetAllocator.class);

  private final KubernetesClient client;
  private final int conflictRetries;
  private final ClusterCoordinators coordinators;

  /**
   * A cluster's table in this process: its writers' turns and the table as last read or written.
   */
  static final class Table {
    /**
     * Writers of one cluster's table in this process take turns: the compare-and-swap keeps
     * replicas apart, and without this the reconcile threads of one replica would mostly fail it on
     * each other.
     */
    final ReentrantLock writers = new ReentrantLock();

    /**
     * The table as this process last read or wrote it, and the cluster (UID) it belongs to. A peer
     * that holds a subnet there keeps it until it is released, which happens only here, when its
     * machine is gone: so "already holds one" is answered from memory, and only a peer without one
     * reads the table from the API server. (Reading it on every reconcile cost O(peers) bytes per
     * reconcile.)
     */
    AllocationTable lastKnown;

    String clusterUid;
  }

  @Inject
  public SubnetAllocator(
      KubernetesClient client, MeshfedConfig config, ClusterCoordinators coordinators) {
    this(client, config.ipam().conflictRetries(), coordinators);
  }

  public SubnetAllocator(
      KubernetesClient client, int conflictRetries, ClusterCoordinators coordinators) {
    this.client = client;
    this.conflictRetries = conflictRetries;
    this.coordinators = coordinators;
  }

  /** What {@link #allocate} decided. */
  public sealed interface Result {}

  public record Allocated(String subnet, String meshAddress) implements Result {}

  public record Exhausted(long poolSize) implements Result {}

  /** Too many writers at once; try again shortly. */
  public record Contended(int attempts) implements Result {}

  public static String configMapName(String cluster) {
    return cluster + "-meshfed-ipam";
  }

  /** Gives the peer its subnet, or returns the one it already holds. */
  public Result allocate(MeshCluster cluster, Peer peer) {
    return withTableLock(
        cluster,
        table -> {
          AllocationTable known = table.lastKnown;
          if (known != null) {
            var held = known.indexOf(peer.getMetadata().getUid());
            if (held.isPresent()) {
              return allocated(planOf(cluster), held.get());
            }
          }
          return allocateLocked(cluster, peer, table);
        });
  }

  private <T> T withTableLock(MeshCluster cluster, Function<Table, T> work) {
    Table table =
        coordinators
            .of(cluster.getMetadata().getNamespace(), cluster.getMetadata().getName())
            .state(Table.class, Table::new);
    table.writers.lock();
    try {
      if (!Objects.equals(table.clusterUid, cluster.getMetadata().getUid())) {
        table.lastKnown = null; // a cluster made again under the same name has a new table
        table.clusterUid = cluster.getMetadata().getUid();
      }
      return work.apply(table);
    } finally {
      table.writers.unlock();
    }
  }

  private Result allocateLocked(MeshCluster cluster, Peer peer, Table known) {
    SubnetPlan plan = planOf(cluster);
    String peerUid = peer.getMetadata().getUid();
    for (int attempt = 1; attempt <= conflictRetries; attempt++) {
      ConfigMap current = readOrCreate(cluster);
      AllocationTable table = AllocationTable.read(plan, current.getData());
      var held = table.indexOf(peerUid);
      if (held.isPresent()) {
        known.lastKnown = table; // committed as read; not changed after this
        return allocated(plan, held.get());
      }
      AllocationTable.Owner owner =
          new AllocationTable.Owner(peerUid, peer.getMetadata().getName());
      Optional<Long> free = table.firstFree();
      if (free.isPresent()) {
        table.put(free.get(), owner);
      } else {
        free = reclaimable(table, cluster.getMetadata().getNamespace());
        if (free.isEmpty()) {
          return new Exhausted(plan.size());
        }
        table.reassign(free.get(), owner);
      }
      if (compareAndSwap(current, table)) {
        known.lastKnown = table; // committed by this write; not changed after this
        LOG.debugf(
            "allocated %s to peer %s/%s",
            plan.subnet(free.get()),
            peer.getMetadata().getNamespace(),
            peer.getMetadata().getName());
        return allocated(plan, free.get());
      }
    }
    return new Contended(conflictRetries);
  }

  /**
   * Releases the peer's subnet. Called once the peer's machine is gone; the subnet goes to another
   * peer only after this Peer object is gone too ({@link #reclaimable}). Returns false when another
   * writer kept winning.
   */
  public boolean release(MeshCluster cluster, Peer peer) {
    return withTableLock(cluster, table -> releaseLocked(cluster, peer, table));
  }

  private boolean releaseLocked(MeshCluster cluster, Peer peer, Table known) {
    known.lastKnown = null; // the next allocation reads the table again
    SubnetPlan plan = planOf(cluster);
    for (int attempt = 1; attempt <= conflictRetries; attempt++) {
      ConfigMap current =
          client
              .configMaps()
              .inNamespace(cluster.getMetadata().getNamespace())
              .withName(configMapName(cluster.getMetadata().getName()))
              .get();
      if (current == null) {
        return true;
      }
      AllocationTable table = AllocationTable.read(plan, current.getData());
      if (!table.release(peer.getMetadata().getUid())) {
        return true;
      }
      if (compareAndSwap(current, table)) {
        return true;
      }
    }
    return false;
  }

  /** The lowest released subnet whose Peer the API server no longer has. */
  private Optional<Long> reclaimable(AllocationTable table, String namespace) {
    for (Map.Entry<Long, AllocationTable.Owner> released : table.released().entrySet()) {
      Peer holder =
          client
              .resources(Peer.class)
              .inNamespace(namespace)
              .withName(released.getValue().peerName())
              .get();
      if (holder == null || !released.getValue().peerUid().equals(holder.getMetadata().getUid())) {
        return Optional.of(released.getKey());
      }
    }
    return Optional.empty();
  }

  public static SubnetPlan planOf(MeshCluster cluster) {
    var network = cluster.getSpec().getNetwork();
    String cidr =
        network == null || network.getCidr() == null ? "100.64.0.0/16" : network.getCidr();
    int prefix =
        network == null || network.getPeerSubnetPrefix() == null
            ? 24
            : network.getPeerSubnetPrefix();
    return SubnetPlan.of(cidr, prefix);
  }

  private static Allocated allocated(SubnetPlan plan, long index) {
    return new Allocated(plan.subnet(index), plan.meshAddress(index));
  }

  private boolean compareAndSwap(ConfigMap current, AllocationTable table) {
    ConfigMap next = new ConfigMapBuilder(current).withData(table.toData()).build();
    try {
      // update() sends the resourceVersion we read: the server refuses it if anyone wrote since
      client.configMaps().resource(next).update();
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        return false;
      }
      throw e;
    }
  }

  private ConfigMap readOrCreate(MeshCluster cluster) {
    String namespace = cluster.getMetadata().getNamespace();
    String name = configMapName(cluster.getMetadata().getName());
    ConfigMap existing = client.configMaps().inNamespace(namespace).withName(name).get();
    if (existing != null) {
      return existing;
    }
    ConfigMap fresh =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .addToLabels(MeshfedApi.CLUSTER_LABEL, cluster.getMetadata().getName())
            .addToLabels(MeshfedApi.MANAGED_BY_LABEL, MeshfedApi.MANAGER)
            .addToAnnotations(
                MeshfedApi.GROUP + "/description",
                "Peer subnet allocations of MeshCluster "
                    + cluster.getMetadata().getName()
                    + ". Written by the operator only.")
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion(MeshfedApi.API_VERSION)
                    .withKind("MeshCluster")
                    .withName(cluster.getMetadata().getName())
                    .withUid(cluster.getMetadata().getUid())
                    .build())
            .endMetadata()
            .withData(Map.of())
            .build();
    try {
      return client.configMaps().resource(fresh).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      // another writer created it first: use theirs
      return client.configMaps().inNamespace(namespace).withName(name).get();
    }
  }
}
