package io.meshfed.operator.placement;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.PeerRole;
import io.meshfed.api.v1alpha1.Placement;
import io.meshfed.api.v1alpha1.ReplicaPlacement;
import io.meshfed.api.v1alpha1.ResourceAmounts;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.api.v1alpha1.WorkloadSpec;
import io.meshfed.operator.scheduler.Amounts;
import io.meshfed.operator.scheduler.Demand;
import io.meshfed.operator.scheduler.Node;
import io.meshfed.operator.scheduler.Spread;
import io.meshfed.operator.support.StatusPatch;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/** Peers and Workloads as the scheduler sees them: pure translations, no API calls. */
public final class ClusterView {
  private ClusterView() {}

  /**
   * A Peer as a scheduling node. New replicas go only to Ready, schedulable workers; replicas
   * already there stay while it is Ready, or NotReady for less than {@code notReadyGrace}.
   */
  public static Node node(Peer peer, Instant now, Duration notReadyGrace) {
    var spec = peer.getSpec();
    var status = peer.getStatus();
    PeerPhase phase = status == null ? null : status.getPhase();
    boolean deleting = peer.isMarkedForDeletion();
    List<PeerRole> roles = spec.getRoles() == null ? List.of(PeerRole.WORKER) : spec.getRoles();
    boolean acceptsNew =
        !deleting
            && phase == PeerPhase.READY
            && !Boolean.TRUE.equals(spec.getUnschedulable())
            && !draining(peer)
            && roles.contains(PeerRole.WORKER);
    boolean keeps =
        !deleting
            && (phase == PeerPhase.READY
                || phase == PeerPhase.NOT_READY
                    && lastHeartbeat(peer)
                        .map(t -> t.plus(notReadyGrace).isAfter(now))
                        .orElse(false));
    ResourceAmounts allocatable = status == null ? null : status.getAllocatable();
    return new Node(
        peer.getMetadata().getName(),
        spec.getProvider(),
        spec.getRegion(),
        spec.getLabels(),
        acceptsNew,
        keeps,
        allocatable == null ? 0 : Amounts.cpuMillis(allocatable.getCpu()),
        allocatable == null ? 0 : Amounts.memoryBytes(allocatable.getMemory()));
  }

  /**
   * The autoscaler empties this peer: nothing new goes there, and its replicas move (one at a
   * time).
   */
  public static boolean draining(Peer peer) {
    var annotations = peer.getMetadata().getAnnotations();
    return annotations != null && annotations.containsKey(MeshfedApi.DRAINING_ANNOTATION);
  }

  /** When a NotReady peer's replicas move elsewhere; empty when they stay or have moved already. */
  public static Optional<Instant> movesAt(Peer peer, Duration notReadyGrace) {
    if (peer.getStatus() == null || peer.getStatus().getPhase() != PeerPhase.NOT_READY) {
      return Optional.empty();
    }
    return lastHeartbeat(peer).map(t -> t.plus(notReadyGrace));
  }

  private static Optional<Instant> lastHeartbeat(Peer peer) {
    var agent = peer.getStatus().getAgent();
    if (agent == null || agent.getLastHeartbeatTime() == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(agent.getLastHeartbeatTime()));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /** Where the workload's replicas run now, by index, from its status. */
  public static Map<Integer, String> currentPlacements(Workload workload) {
    Map<Integer, String> current = new TreeMap<>();
    if (workload.getStatus() == null) {
      return current;
    }
    String prefix = workload.getMetadata().getName() + "-";
    for (ReplicaPlacement placement : workload.getStatus().getPlacements()) {
      if (placement.getReplica() != null
          && placement.getReplica().startsWith(prefix)
          && placement.getPeer() != null) {
        try {
          current.put(
              Integer.parseInt(placement.getReplica().substring(prefix.length())),
              placement.getPeer());
        } catch (NumberFormatException e) {
          // not a replica name this operator wrote: ignore it
        }
      }
    }
    return current;
  }

  public static long cpuMillis(Workload workload) {
    var resources = workload.getSpec().getResources();
    return resources == null || resources.getRequests() == null
        ? 0
        : Amounts.cpuMillis(resources.getRequests().getCpu());
  }

  public static long memoryBytes(Workload workload) {
    var resources = workload.getSpec().getResources();
    return resources == null || resources.getRequests() == null
        ? 0
        : Amounts.memoryBytes(resources.getRequests().getMemory());
  }

  /** The workload as a scheduling demand, its replicas currently at {@code current}. */
  public static Demand demand(Workload workload, Map<Integer, String> current) {
    WorkloadSpec spec = workload.getSpec();
    Placement placement = spec.getPlacement() == null ? new Placement() : spec.getPlacement();
    LabelSelector selector = placement.getPeerSelector();
    return new Demand(
        key(workload),
        spec.getReplicas() == null ? 1 : spec.getReplicas(),
        cpuMillis(workload),
        memoryBytes(workload),
        placement.getProviders() == null ? null : new HashSet<>(placement.getProviders()),
        placement.getRegions() == null ? null : new HashSet<>(placement.getRegions()),
        selector == null ? null : matcher(selector),
        selector == null ? null : describe(selector),
        Spread.of(placement.getSpread()),
        // a process listens on its peer's address: two would collide; containers have their own
        spec.getImage() == null && spec.getPorts() != null && !spec.getPorts().isEmpty(),
        current);
  }

  public static String key(Workload workload) {
    return workload.getMetadata().getNamespace() + "/" + workload.getMetadata().getName();
  }

  /**
   * Kubernetes label selector semantics: every matchLabels entry and every expression must hold.
   */
  static Predicate<Map<String, String>> matcher(LabelSelector selector) {
    Map<String, String> labels =
        selector.getMatchLabels() == null ? Map.of() : Map.copyOf(selector.getMatchLabels());
    List<LabelSelectorRequirement> expressions =
        selector.getMatchExpressions() == null
            ? List.of()
            : List.copyOf(selector.getMatchExpressions());
    return peerLabels ->
        labels.entrySet().stream().allMatch(e -> e.getValue().equals(peerLabels.get(e.getKey())))
            && expressions.stream().allMatch(r -> holds(r, peerLabels));
  }

  private static boolean holds(LabelSelectorRequirement requirement, Map<String, String> labels) {
    String value = labels.get(requirement.getKey());
    List<String> values = requirement.getValues() == null ? List.of() : requirement.getValues();
    switch (requirement.getOperator()) {
      case "In":
        return value != null && values.contains(value);
      case "NotIn":
        return value == null || !values.contains(value);
      case "Exists":
        return value != null;
      case "DoesNotExist":
        return value == null;
      default:
        return false; // the CRD admits only the four operators; anything else matches nothing
    }
  }

  static String describe(LabelSelector selector) {
    List<String> parts = new ArrayList<>();
    if (selector.getMatchLabels() != null) {
      new TreeMap<>(selector.getMatchLabels()).forEach((k, v) -> parts.add(k + "=" + v));
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        String values =
            r.getValues() == null
                ? ""
                : r.getValues().stream().collect(Collectors.joining(",", " (", ")"));
        parts.add(r.getKey() + " " + r.getOperator() + values);
      }
    }
    return String.join(", ", parts);
  }

  /** Peer updates that change where replicas may go; heartbeat refreshes and health do not. */
  public static boolean mattersToPlacement(Peer next, Peer previous) {
    if (!Objects.equals(next.getMetadata().getGeneration(), previous.getMetadata().getGeneration())
        || next.isMarkedForDeletion() != previous.isMarkedForDeletion()
        || draining(next) != draining(previous)) {
      return true;
    }
    var a = next.getStatus();
    var b = previous.getStatus();
    if (a == null || b == null) {
      return a != b;
    }
    return a.getPhase() != b.getPhase()
        || !Objects.equals(a.getMeshAddress(), b.getMeshAddress())
        || StatusPatch.changed(a.getAllocatable(), b.getAllocatable());
  }
}
