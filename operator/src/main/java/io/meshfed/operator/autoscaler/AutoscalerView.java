package io.meshfed.operator.autoscaler;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.meshfed.api.v1alpha1.AutoscalingSpec;
import io.meshfed.api.v1alpha1.ClusterLimits;
import io.meshfed.api.v1alpha1.Durations;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.PeerPool;
import io.meshfed.api.v1alpha1.ResourceAmounts;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.operator.autoscaler.Autoscaler.Capacity;
import io.meshfed.operator.autoscaler.Autoscaler.Host;
import io.meshfed.operator.autoscaler.Autoscaler.Limits;
import io.meshfed.operator.autoscaler.Autoscaler.Member;
import io.meshfed.operator.autoscaler.Autoscaler.Pending;
import io.meshfed.operator.autoscaler.Autoscaler.Pool;
import io.meshfed.operator.autoscaler.Autoscaler.Replica;
import io.meshfed.operator.placement.ClusterView;
import io.meshfed.operator.scheduler.Amounts;
import io.meshfed.operator.scheduler.Demand;
import io.meshfed.operator.support.StatusPatch;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The cluster's objects as the autoscaler sees them. Pure: objects in, autoscaler records out. */
public final class AutoscalerView {
  private AutoscalerView() {}

  /**
   * @param members the pool's peers
   * @param lastWanted the largest size the pool was last told to have (status, or this process's
   *     own newer decision the cache does not show yet)
   */
  public static Pool pool(
      PeerPool pool, List<Peer> members, Optional<Capacity> capacity, int lastWanted) {
    AutoscalingSpec a = pool.getSpec().getAutoscaling();
    var status = pool.getStatus();
    Map<String, String> idle =
        status == null || status.getIdleSince() == null ? Map.of() : status.getIdleSince();
    List<Member> views =
        members.stream()
            .map(
                p ->
                    new Member(
                        p.getMetadata().getName(),
                        p.getStatus() != null && p.getStatus().getPhase() == PeerPhase.READY,
                        p.isMarkedForDeletion(),
                        ClusterView.draining(p),
                        instant(idle.get(p.getMetadata().getName()))))
            .toList();
    int live = (int) views.stream().filter(m -> !m.terminating()).count();
    int min = a.getMinReplicas() == null ? 0 : a.getMinReplicas();
    int size = Math.max(live, lastWanted);
    return new Pool(
        pool.getMetadata().getName(),
        a.getWeight() == null ? 0 : a.getWeight(),
        min,
        a.getMaxReplicas(),
        pool.getSpec().getProvider(),
        pool.getSpec().getRegion(),
        pool.getSpec().getLabels(),
        pool.getSpec().getInstanceType(),
        capacity,
        size,
        views,
        status == null || status.getLastScaleUp() == null
            ? null
            : instant(status.getLastScaleUp().getTime()),
        duration(a.getCooldownAfterScaleUp(), Duration.ofMinutes(2)),
        duration(a.getScaleDownAfter(), Duration.ofMinutes(10)),
        a.getScaleDownUtilizationThreshold() == null ? 50 : a.getScaleDownUtilizationThreshold(),
        maxUnavailable(a.getMaxUnavailable(), Math.max(size, 1)));
  }

  /** A count, or a percentage of the pool's size rounded down (at least 1 when above 0%). */
  public static int maxUnavailable(IntOrString budget, int size) {
    if (budget == null) {
      return 1;
    }
    if (budget.getIntVal() != null) {
      return budget.getIntVal();
    }
    String text = budget.getStrVal().trim();
    int percent = Integer.parseInt(text.substring(0, text.length() - 1));
    return percent == 0 ? 0 : Math.max(1, size * percent / 100);
  }

  /** Every peer of the cluster with the replicas placed on it. */
  public static List<Host> hosts(
      List<Peer> peers, List<Workload> workloads, Instant now, Duration notReadyGrace) {
    Map<String, List<Replica>> byPeer = new HashMap<>();
    for (Workload w : workloads) {
      Demand demand = ClusterView.demand(w, ClusterView.currentPlacements(w));
      long cpu = ClusterView.cpuMillis(w);
      long memory = ClusterView.memoryBytes(w);
      ClusterView.currentPlacements(w)
          .values()
          .forEach(
              peer ->
                  byPeer
                      .computeIfAbsent(peer, k -> new ArrayList<>())
                      .add(new Replica(ClusterView.key(w), cpu, memory, demand)));
    }
    return peers.stream()
        .map(
            p ->
                new Host(
                    ClusterView.node(p, now, notReadyGrace),
                    byPeer.getOrDefault(p.getMetadata().getName(), List.of())))
        .toList();
  }

  /** Replicas the scheduler could not place, by workload. */
  public static List<Pending> pending(List<Workload> workloads) {
    List<Pending> pending = new ArrayList<>();
    for (Workload w : workloads) {
      if (w.isMarkedForDeletion()) {
        continue;
      }
      var current = ClusterView.currentPlacements(w);
      Demand demand = ClusterView.demand(w, current);
      int missing = demand.replicas() - current.size();
      if (missing > 0 && w.getStatus() != null) {
        pending.add(new Pending(demand, missing));
      }
    }
    return pending;
  }

  /**
   * The cluster's caps, and its peers and their cpu and memory now (peers on their way at their
   * pool's size).
   */
  public static Limits limits(MeshCluster cluster, List<Peer> peers, List<Pool> pools) {
    ClusterLimits caps = cluster.getSpec() == null ? null : cluster.getSpec().getLimits();
    int peersNow = 0;
    long cpuNow = 0;
    long memoryNow = 0;
    for (Peer p : peers) {
      if (p.isMarkedForDeletion()) {
        continue;
      }
      peersNow++;
      ResourceAmounts capacity = p.getStatus() == null ? null : p.getStatus().getCapacity();
      if (capacity != null) {
        cpuNow += Amounts.cpuMillis(capacity.getCpu());
        memoryNow += Amounts.memoryBytes(capacity.getMemory());
      }
    }
    for (Pool pool : pools) {
      long live = pool.members().stream().filter(m -> !m.terminating()).count();
      long coming = Math.max(0, pool.size() - live);
      peersNow += coming;
      Capacity c = pool.capacity().orElse(new Capacity(0, 0));
      cpuNow += coming * c.cpuMillis();
      memoryNow += coming * c.memoryBytes();
    }
    return new Limits(
        caps == null ? null : caps.getPeers(),
        caps == null || caps.getCpu() == null ? null : Amounts.cpuMillis(caps.getCpu()),
        caps == null || caps.getMemory() == null ? null : Amounts.memoryBytes(caps.getMemory()),
        peersNow,
        cpuNow,
        memoryNow);
  }

  private static Duration duration(String text, Duration otherwise) {
    return text == null ? otherwise : Durations.parse(text);
  }

  static Instant instant(String text) {
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /**
   * Peer updates that change the cluster's autoscaling decision: what placement reads, and the
   * peer's capacity (the cluster's limits). A heartbeat refresh of a thousand peers would otherwise
   * make every autoscaled pool decide again for each.
   */
  public static boolean mattersToAutoscaling(Peer next, Peer previous) {
    return ClusterView.mattersToPlacement(next, previous)
        || StatusPatch.changed(
            next.getStatus() == null ? null : next.getStatus().getCapacity(),
            previous.getStatus() == null ? null : previous.getStatus().getCapacity());
  }
}
