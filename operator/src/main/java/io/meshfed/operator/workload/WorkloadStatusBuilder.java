package io.meshfed.operator.workload;

import io.meshfed.api.agent.AssignedReplica;
import io.meshfed.api.agent.DnsRecord;
import io.meshfed.api.agent.ReplicaStatus;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.ReplicaPlacement;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.api.v1alpha1.WorkloadPort;
import io.meshfed.api.v1alpha1.WorkloadStatus;
import io.meshfed.operator.netmap.MapLog.WorkloadMap;
import io.meshfed.operator.scheduler.Scheduler.Decision;
import io.meshfed.operator.support.Conditions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * From a placement decision and what the agents report to the Workload's status and its part of the
 * network maps. Pure: everything it needs is passed in.
 */
public final class WorkloadStatusBuilder {
  public static final String SCHEDULED = "Scheduled";
  public static final String AVAILABLE = "Available";
  public static final String CLUSTER_NOT_FOUND = "ClusterNotFound";
  public static final String REPLICAS_RUNNING = "ReplicasRunning";
  public static final String REPLICAS_NOT_RUNNING = "ReplicasNotRunning";
  public static final String ENV_NOT_RESOLVED = "EnvNotResolved";
  public static final String IMAGE_PULL_SECRET_NOT_RESOLVED = "ImagePullSecretNotResolved";

  /** An input of the replicas that could not be read: why, as a condition's reason and message. */
  public record Unresolved(String reason, String message) {}

  private WorkloadStatusBuilder() {}

  /**
   * @param peers the cluster's peers by name
   * @param reported what the agent on a peer says of a replica (peer, replica), if anything
   * @param unresolved what of the replicas' inputs (env, pull secrets) could not be read, if any
   */
  public static WorkloadStatus status(
      Workload workload,
      Decision decision,
      Map<String, Peer> peers,
      BiFunction<String, String, Optional<ReplicaStatus>> reported,
      Optional<Unresolved> unresolved,
      Instant now) {
    WorkloadStatus previous = workload.getStatus();
    WorkloadStatus status = new WorkloadStatus();
    status.setObservedGeneration(workload.getMetadata().getGeneration());
    List<ReplicaPlacement> placements = new ArrayList<>();
    List<String> notRunning = new ArrayList<>();
    int running = 0;
    for (var entry : decision.placements().entrySet()) {
      String replica = replicaName(workload, entry.getKey());
      String peer = entry.getValue();
      Optional<ReplicaStatus> report = reported.apply(peer, replica);
      String state = report.map(ReplicaStatus::state).orElse(ReplicaStatus.PENDING);
      ReplicaPlacement placement =
          new ReplicaPlacement(replica, peer, address(peers.get(peer), report), state);
      report.filter(r -> r.restarts() > 0).ifPresent(r -> placement.setRestarts(r.restarts()));
      report.map(ReplicaStatus::message).ifPresent(placement::setMessage);
      report.map(ReplicaStatus::reason).ifPresent(placement::setReason);
      report.map(ReplicaStatus::exitCode).ifPresent(placement::setExitCode);
      placements.add(placement);
      if (ReplicaStatus.RUNNING.equals(state)) {
        running++;
      } else {
        notRunning.add(
            replica
                + " on "
                + peer
                + " is "
                + state
                + report.map(ReplicaStatus::message).map(m -> " (" + m + ")").orElse(""));
      }
    }
    status.setPlacements(placements);
    status.setReplicas(placements.size());
    status.setReadyReplicas(running);

    Conditions conditions =
        new Conditions(
            previous == null ? null : previous.getConditions(),
            workload.getMetadata().getGeneration(),
            now);
    conditions.set(SCHEDULED, decision.scheduled(), decision.reason(), decision.message());
    int wanted = workload.getSpec().getReplicas() == null ? 1 : workload.getSpec().getReplicas();
    if (unresolved.isPresent()) {
      conditions.set(AVAILABLE, false, unresolved.get().reason(), unresolved.get().message());
    } else if (running >= wanted) {
      conditions.set(
          AVAILABLE, true, REPLICAS_RUNNING, running + " of " + wanted + " replicas running");
    } else {
      conditions.set(
          AVAILABLE,
          false,
          REPLICAS_NOT_RUNNING,
          running
              + " of "
              + wanted
              + " replicas running"
              + (notRunning.isEmpty() ? "" : "; " + String.join("; ", notRunning)));
    }
    status.setConditions(conditions.build());
    return status;
  }

  /** Status for a workload whose MeshCluster does not exist: nothing is placed. */
  public static WorkloadStatus clusterNotFound(Workload workload, Instant now) {
    WorkloadStatus previous = workload.getStatus();
    WorkloadStatus status = new WorkloadStatus();
    status.setObservedGeneration(workload.getMetadata().getGeneration());
    status.setReplicas(0);
    status.setReadyReplicas(0);
    String message =
        "MeshCluster "
            + workload.getSpec().getClusterRef().getName()
            + " does not exist in namespace "
            + workload.getMetadata().getNamespace();
    Conditions conditions =
        new Conditions(
            previous == null ? null : previous.getConditions(),
            workload.getMetadata().getGeneration(),
            now);
    conditions.set(SCHEDULED, false, CLUSTER_NOT_FOUND, message);
    conditions.set(AVAILABLE, false, CLUSTER_NOT_FOUND, message);
    status.setConditions(conditions.build());
    return status;
  }

  /**
   * The workload's part of the maps: each placed replica goes to its peer's agent (unless its
   * environment could not be resolved); running replicas get names under the cluster's domain.
   */
  public static WorkloadMap map(
      Workload workload,
      WorkloadStatus status,
      Map<String, String> env,
      String registryAuth,
      boolean envResolved,
      String domain) {
    var spec = workload.getSpec();
    Map<String, List<AssignedReplica>> byPeer = new LinkedHashMap<>();
    List<Integer> ports =
        spec.getPorts() == null
            ? null
            : spec.getPorts().stream().map(WorkloadPort::getPort).toList();
    TreeSet<String> addresses = new TreeSet<>();
    List<DnsRecord> dns = new ArrayList<>();
    String base = workload.getMetadata().getName() + "." + domain;
    for (ReplicaPlacement placement : status.getPlacements()) {
      if (envResolved) {
        byPeer
            .computeIfAbsent(placement.getPeer(), p -> new ArrayList<>())
            .add(
                new AssignedReplica(
                    placement.getReplica(),
                    workload.getMetadata().getName(),
                    spec.getImage(),
                    spec.getCommand(),
                    spec.getArgs(),
                    env,
                    ports,
                    spec.getImage() == null ? null : registryAuth));
      }
      if (ReplicaStatus.RUNNING.equals(placement.getState()) && placement.getAddress() != null) {
        addresses.add(placement.getAddress());
        dns.add(
            new DnsRecord(placement.getReplica() + "." + base, List.of(placement.getAddress())));
      }
    }
    if (!addresses.isEmpty()) {
      dns.add(new DnsRecord(base, List.copyOf(addresses)));
    }
    return new WorkloadMap(byPeer, dns);
  }

  public static String replicaName(Workload workload, int index) {
    return workload.getMetadata().getName() + "-" + index;
  }

  /**
   * The address the agent reports (a container's own), else the peer's mesh address (a process).
   */
  private static String address(Peer peer, Optional<ReplicaStatus> report) {
    return report
        .map(ReplicaStatus::address)
        .orElseGet(
            () ->
                peer == null || peer.getStatus() == null
                    ? null
                    : peer.getStatus().getMeshAddress());
  }
}
