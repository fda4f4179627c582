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
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Hands out peer subnets. A cluster's allocation table lives in ConfigMaps of {@value #BLOCK}
 * subnets each (block 0 is {@code <cluster>-meshfed-ipam}, block k {@code
 * <cluster>-meshfed-ipam-k}), so no object grows with the cluster past a few tens of kB, and every
 * change is a compare-and-swap on the resourceVersion of the one block it touches, so concurrent
 * reconciles and several operator replicas can never hand out one subnet twice, and nothing is lost
 * in a restart. The blocks are read from the API server, never from a cache, and kept as last read
 * or written: an allocation writes one block against the version it knows, and reads again only
 * when someone else wrote it (decision 0001).
 *
 * <p>Allocations of one cluster in this process are committed in groups: the writers take turns,
 * and the one whose turn it is allocates for every writer waiting by then, in one write per block
 * touched. One compare-and-swap per allocation, each a round trip to the API server, was what
 * bounded a fleet's joins (~40 a second on the test machine).
 */
@Singleton
public class SubnetAllocator {
  private static final Logger LOG = Logger.getLogger(SubnetAllocator.class);

  /** Subnets per ConfigMap: about 35 kB of table, whatever the cluster's size. */
  public static final int BLOCK = 512;

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

    /** Allocations asked for and not yet decided: the next writer's turn decides them all. */
    final Queue<Request> waiting = new ConcurrentLinkedQueue<>();

    /**
     * The table as this process last read or wrote it, and the cluster (UID) it belongs to. A peer
     * that holds a subnet there keeps it until it is released, which happens only here, when its
     * machine is gone: so "already holds one" is answered from memory, and only a peer without one
     * reads the table from the API server. (Reading it on every reconcile cost O(peers) bytes per
     * reconcile.)
     */
    AllocationTable lastKnown;

    /** The table's ConfigMaps by name, as last read or written; null: read them again. */
    Map<String, ConfigMap> blocks;

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

  /** One peer's allocation, decided in whichever writer's turn comes first. */
  static final class Request {
    final Peer peer;
    final String clusterUid;
    volatile Result result;

    Request(Peer peer, String clusterUid) {
      this.peer = peer;
      this.clusterUid = clusterUid;
    }
  }

  /** Gives the peer its subnet, or returns the one it already holds. */
  public Result allocate(MeshCluster cluster, Peer peer) {
    Request mine = new Request(peer, cluster.getMetadata().getUid());
    Queue<Request> waiting = tableOf(cluster).waiting;
    waiting.add(mine);
    try {
      return withTableLock(
          cluster,
          table -> {
            // decided in an earlier turn, or still waiting (a turn that failed put it back)
            if (mine.result == null) {
              allocateWaiting(cluster, table); // mine among them
            }
            return mine.result;
          });
    } catch (RuntimeException e) {
      waiting.remove(mine); // the caller gives up on it: no turn may allocate for it now
      throw e;
    }
  }

  /**
   * Decides every waiting allocation of this cluster: those the table already answers from memory,
   * the others in one group (waiting allocations of a cluster made again under the same name are
   * left to their own turns).
   */
  private void allocateWaiting(MeshCluster cluster, Table table) {
    List<Request> group = new ArrayList<>();
    List<Request> otherCluster = new ArrayList<>();
    for (Request request = table.waiting.poll(); request != null; request = table.waiting.poll()) {
      if (!Objects.equals(request.clusterUid, table.clusterUid)) {
        otherCluster.add(request);
        continue;
      }
      AllocationTable known = table.lastKnown;
      var held =
          known == null
              ? Optional.<Long>empty()
              : known.indexOf(request.peer.getMetadata().getUid());
      if (held.isPresent()) {
        request.result = allocated(planOf(cluster), held.get());
      } else {
        group.add(request);
      }
    }
    table.waiting.addAll(otherCluster);
    if (group.isEmpty()) {
      return;
    }
    try {
      allocateLocked(cluster, group, table);
    } catch (RuntimeException e) {
      // the API server failed this turn: the others' allocations wait for their own turns
      group.stream().filter(request -> request.result == null).forEach(table.waiting::add);
      throw e;
    }
  }

  private Table tableOf(MeshCluster cluster) {
    return coordinators
        .of(cluster.getMetadata().getNamespace(), cluster.getMetadata().getName())
        .state(Table.class, Table::new);
  }

  private <T> T withTableLock(MeshCluster cluster, Function<Table, T> work) {
    Table table = tableOf(cluster);
    table.writers.lock();
    try {
      if (!Objects.equals(table.clusterUid, cluster.getMetadata().getUid())) {
        table.lastKnown = null; // a cluster made again under the same name has a new table
        table.blocks = null;
        table.clusterUid = cluster.getMetadata().getUid();
      }
      return work.apply(table);
    } finally {
      table.writers.unlock();
    }
  }

  /** Decides a group of allocations: one write per block they touch, retried on conflicts. */
  private void allocateLocked(MeshCluster cluster, List<Request> group, Table known) {
    SubnetPlan plan = planOf(cluster);
    for (int attempt = 1; attempt <= conflictRetries; attempt++) {
      if (known.blocks == null) {
        known.blocks = readBlocks(cluster);
      }
      AllocationTable table = AllocationTable.read(plan, merged(known.blocks));
      Map<Request, Long> chosen = new LinkedHashMap<>();
      for (Request request : group) {
        if (request.result != null) {
          continue; // decided in an earlier attempt (held, or its block's write went through)
        }
        String peerUid = request.peer.getMetadata().getUid();
        var held = table.indexOf(peerUid);
        if (held.isPresent()) {
          request.result = allocated(plan, held.get());
          continue;
        }
        AllocationTable.Owner owner =
            new AllocationTable.Owner(peerUid, request.peer.getMetadata().getName());
        Optional<Long> free = table.firstFree();
        if (free.isPresent()) {
          table.put(free.get(), owner);
        } else {
          free = reclaimable(table, cluster.getMetadata().getNamespace());
          if (free.isEmpty()) {
            request.result = new Exhausted(plan.size());
            continue;
          }
          table.reassign(free.get(), owner);
        }
        chosen.put(request, free.get());
      }
      Set<Long> written = write(cluster, known, table, chosen.values());
      chosen.forEach(
          (request, index) -> {
            if (written.contains(index)) {
              request.result = allocated(plan, index);
              LOG.debugf(
                  "allocated %s to peer %s/%s",
                  plan.subnet(index),
                  request.peer.getMetadata().getNamespace(),
                  request.peer.getMetadata().getName());
            }
          });
      if (written.size() == chosen.size()) {
        known.lastKnown = table; // committed by these writes; not changed after this
        return;
      }
      known.blocks = null; // someone else wrote a block: read again
    }
    for (Request request : group) {
      if (request.result == null) {
        request.result = new Contended(conflictRetries);
      }
    }
  }

  /** Every block's entries in one map (block 0 may hold any subnet: tables before blocks did). */
  private static Map<String, String> merged(Map<String, ConfigMap> blocks) {
    Map<String, String> all = new HashMap<>();
    blocks.values().forEach(block -> all.putAll(dataOf(block)));
    return all;
  }

  private static Map<String, String> dataOf(ConfigMap block) {
    return block.getData() == null ? Map.of() : block.getData();
  }

  /**
   * Writes the entries of {@code indexes} as the table has them (or their removal), one write per
   * block — each into the block that holds it, the one it was read from, else the block of its
   * index — against the version last known. Answers the indexes written: a block another writer
   * changed first is not.
   */
  private Set<Long> write(
      MeshCluster cluster, Table known, AllocationTable table, Collection<Long> indexes) {
    Map<String, List<Long>> byBlock = new TreeMap<>();
    for (long index : indexes) {
      String key = table.key(index);
      String name =
          known.blocks.entrySet().stream()
              .filter(e -> dataOf(e.getValue()).containsKey(key))
              .map(Map.Entry::getKey)
              .findFirst()
              .orElseGet(() -> blockName(cluster.getMetadata().getName(), index / BLOCK));
      byBlock.computeIfAbsent(name, n -> new ArrayList<>()).add(index);
    }
    Set<Long> written = new HashSet<>();
    byBlock.forEach(
        (name, inBlock) -> {
          ConfigMap block = known.blocks.get(name);
          Map<String, String> data = new TreeMap<>(block == null ? Map.of() : dataOf(block));
          for (long index : inBlock) {
            String key = table.key(index);
            table
                .encoded(index)
                .ifPresentOrElse(value -> data.put(key, value), () -> data.remove(key));
          }
          try {
            ConfigMap stored =
                block == null
                    ? client.configMaps().resource(newBlock(cluster, name, data)).create()
                    // update() sends the resourceVersion we know: refused if anyone wrote since
                    : client
                        .configMaps()
                        .resource(new ConfigMapBuilder(block).withData(data).build())
                        .update();
            known.blocks.put(name, stored);
            written.addAll(inBlock);
          } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
              throw e;
            }
          }
        });
    return written;
  }

  /** The ConfigMap of block {@code block} of a cluster's table. */
  public static String blockName(String cluster, long block) {
    return block == 0 ? configMapName(cluster) : configMapName(cluster) + "-" + block;
  }

  /** The table's blocks as the API server has them now. */
  private Map<String, ConfigMap> readBlocks(MeshCluster cluster) {
    Map<String, ConfigMap> blocks = new HashMap<>();
    for (ConfigMap map :
        blocksOf(client, cluster.getMetadata().getNamespace(), cluster.getMetadata().getName())) {
      blocks.put(map.getMetadata().getName(), map);
    }
    return blocks;
  }

  /** The ConfigMaps of a cluster's table: labelled with the cluster, named as its blocks. */
  public static List<ConfigMap> blocksOf(
      KubernetesClient client, String namespace, String cluster) {
    String first = configMapName(cluster);
    Pattern names = Pattern.compile(Pattern.quote(first) + "(-[0-9]+)?");
    return client
        .configMaps()
        .inNamespace(namespace)
        .withLabel(MeshfedApi.CLUSTER_LABEL, cluster)
        .withLabel(MeshfedApi.MANAGED_BY_LABEL, MeshfedApi.MANAGER)
        .list()
        .getItems()
        .stream()
        .filter(map -> names.matcher(map.getMetadata().getName()).matches())
        .toList();
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
      known.blocks = readBlocks(cluster);
      AllocationTable table = AllocationTable.read(plan, merged(known.blocks));
      Optional<Long> index = table.indexOf(peer.getMetadata().getUid());
      if (index.isEmpty() || !table.release(peer.getMetadata().getUid())) {
        return true;
      }
      if (!write(cluster, known, table, List.of(index.get())).isEmpty()) {
        return true;
      }
    }
    known.blocks = null;
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

  private static ConfigMap newBlock(MeshCluster cluster, String name, Map<String, String> data) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(cluster.getMetadata().getNamespace())
        .addToLabels(MeshfedApi.CLUSTER_LABEL, cluster.getMetadata().getName())
        .addToLabels(MeshfedApi.MANAGED_BY_LABEL, MeshfedApi.MANAGER)
        .addToAnnotations(
            MeshfedApi.GROUP + "/description",
            "Peer subnet allocations of MeshCluster "
                + cluster.getMetadata().getName()
                + " (one block of "
                + BLOCK
                + "). Written by the operator only.")
        .withOwnerReferences(
            new OwnerReferenceBuilder()
                .withApiVersion(MeshfedApi.API_VERSION)
                .withKind("MeshCluster")
                .withName(cluster.getMetadata().getName())
                .withUid(cluster.getMetadata().getUid())
                .build())
        .endMetadata()
        .withData(data)
        .build();
  }
}
