package io.meshfed.operator.workload;

import io.meshfed.api.agent.AssignedReplica;
import io.meshfed.api.agent.DnsRecord;
import io.meshfed.api.agent.ReplicaProbe;
import io.meshfed.api.agent.ReplicaStatus;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.Probe;
import io.meshfed.api.v1alpha1.ReplicaPlacement;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.api.v1alpha1.WorkloadPort;
import io.meshfed.api.v1alpha1.WorkloadStatus;
import io.meshfed.api.v1alpha1.WorkloadTemplate;
import io.meshfed.operator.netmap.MapLog.WorkloadMap;
import io.meshfed.operator.scheduler.Scheduler.Decision;
import io.meshfed.operator.support.Conditions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Function;

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

  public static final String PROGRESSING = "Progressing";
  public static final String NEW_REPLICAS_AVAILABLE = "NewReplicasAvailable";
  public static final String REPLICAS_UPDATING = "ReplicasUpdating";
  public static final String PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded";

  /** An input of the replicas that could not be read: why, as a condition's reason and message. */
  public record Unresolved(String reason, String message) {}

  /**
   * The rollout this status reports: the plan's revision of each replica, the template's current
   * revision and what it may take away.
   */
  public record RolloutView(
      Rollout.Plan plan,
      String updateRevision,
      WorkloadTemplate updateTemplate,
      int maxUnavailable,
      Duration progressDeadline) {}

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
      RolloutView rollout,
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
      String revision =
          rollout.plan().replicas().getOrDefault(entry.getKey(), rollout.updateRevision());
      Optional<ReplicaStatus> report = reported.apply(peer, replica);
      String state = report.map(ReplicaStatus::state).orElse(ReplicaStatus.PENDING);
      ReplicaPlacement placement =
          new ReplicaPlacement(replica, peer, address(peers.get(peer), report), state);
      report.filter(r -> r.restarts() > 0).ifPresent(r -> placement.setRestarts(r.restarts()));
      report.map(ReplicaStatus::message).ifPresent(placement::setMessage);
      report.map(ReplicaStatus::reason).ifPresent(placement::setReason);
      report.map(ReplicaStatus::exitCode).ifPresent(placement::setExitCode);
      boolean ready = report.map(ReplicaStatus::serving).orElse(false);
      placement.setReady(ready);
      placement.setRevision(revision);
      placements.add(placement);
      if (ready) {
        running++;
      } else {
        notRunning.add(
            replica
                + " on "
                + peer
                + " is "
                + (ReplicaStatus.RUNNING.equals(state) ? "running, not ready" : state)
                + report.map(ReplicaStatus::message).map(m -> " (" + m + ")").orElse(""));
      }
    }
    status.setPlacements(placements);
    status.setReplicas(placements.size());
    status.setReadyReplicas(running);
    status.setAvailableReplicas(running);
    String update = rollout.updateRevision();
    status.setUpdateRevision(update);
    status.setUpdatedReplicas(
        (int) placements.stream().filter(p -> update.equals(p.getRevision())).count());
    status.setRevisions(keptRevisions(previous, placements, update, rollout.updateTemplate()));
    Progress progress = Progress.of(placements, update);
    boolean progressed =
        previous == null
            || previous.getProgressedAt() == null
            || !update.equals(previous.getUpdateRevision())
            || !progress.equals(Progress.of(previous.getPlacements(), update));
    status.setProgressedAt(progressed ? now.toString() : previous.getProgressedAt());

    Conditions conditions =
        new Conditions(
            previous == null ? null : previous.getConditions(),
            workload.getMetadata().getGeneration(),
            now);
    conditions.set(SCHEDULED, decision.scheduled(), decision.reason(), decision.message());
    int wanted = workload.getSpec().getReplicas() == null ? 1 : workload.getSpec().getReplicas();
    progressing(conditions, rollout, status, wanted, now);
    if (unresolved.isPresent()) {
      conditions.set(AVAILABLE, false, unresolved.get().reason(), unresolved.get().message());
    } else if (running >= Math.max(1, wanted - rollout.maxUnavailable()) || wanted == 0) {
      conditions.set(
          AVAILABLE, true, REPLICAS_RUNNING, running + " of " + wanted + " replicas ready");
    } else {
      conditions.set(
          AVAILABLE,
          false,
          REPLICAS_NOT_RUNNING,
          running
              + " of "
              + wanted
              + " replicas ready"
              + (notRunning.isEmpty() ? "" : "; " + String.join("; ", notRunning)));
    }
    status.setConditions(conditions.build());
    return status;
  }

  /** How far a rollout is: what a change of either counts as progress. */
  private record Progress(long updatedReady, long outdated) {
    static Progress of(List<ReplicaPlacement> placements, String update) {
      if (placements == null) {
        return new Progress(0, 0);
      }
      return new Progress(
          placements.stream()
              .filter(p -> update.equals(p.getRevision()) && Boolean.TRUE.equals(p.getReady()))
              .count(),
          placements.stream().filter(p -> !update.equals(p.getRevision())).count());
    }
  }

  private static void progressing(
      Conditions conditions, RolloutView rollout, WorkloadStatus status, int wanted, Instant now) {
    String counts =
        status.getUpdatedReplicas()
            + " of "
            + wanted
            + " replicas updated, "
            + status.getReadyReplicas()
            + " ready";
    String revision = "revision " + rollout.updateRevision() + ": ";
    if (rollout.plan().complete()) {
      conditions.set(PROGRESSING, true, NEW_REPLICAS_AVAILABLE, revision + counts);
    } else if (Rollout.pastDeadline(
        Instant.parse(status.getProgressedAt()), now, rollout.progressDeadline())) {
      conditions.set(
          PROGRESSING,
          false,
          PROGRESS_DEADLINE_EXCEEDED,
          revision
              + "no progress for "
              + rollout.progressDeadline().toSeconds()
              + "s; "
              + counts
              + (rollout.plan().outdated() > 0
                  ? "; " + rollout.plan().outdated() + " replicas of earlier revisions serve"
                  : ""));
    } else {
      conditions.set(PROGRESSING, true, REPLICAS_UPDATING, revision + counts);
    }
  }

  /**
   * The current template (the next change of the spec makes it an earlier one, and the spec will
   * not say it any more), and the earlier ones that placed replicas still run, from the last
   * status.
   */
  private static List<WorkloadTemplate.Revision> keptRevisions(
      WorkloadStatus previous,
      List<ReplicaPlacement> placements,
      String update,
      WorkloadTemplate updateTemplate) {
    TreeSet<String> running = new TreeSet<>();
    placements.stream()
        .map(ReplicaPlacement::getRevision)
        .filter(r -> r != null && !r.equals(update))
        .forEach(running::add);
    List<WorkloadTemplate.Revision> kept = new ArrayList<>();
    kept.add(new WorkloadTemplate.Revision(update, updateTemplate));
    if (previous != null && previous.getRevisions() != null) {
      previous.getRevisions().stream()
          .filter(r -> running.contains(r.getName()))
          .forEach(kept::add);
    }
    return kept;
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
  /** A revision's template with what it reads resolved: its env's values, its pull credentials. */
  public record Resolved(WorkloadTemplate template, Map<String, String> env, String registryAuth) {}

  /**
   * @param resolved each revision's template, resolved; empty for one whose inputs cannot be read
   *     (its replicas are left out of the maps until they can)
   */
  public static WorkloadMap map(
      Workload workload,
      WorkloadStatus status,
      Function<String, Optional<Resolved>> resolved,
      String domain) {
    Map<String, List<AssignedReplica>> byPeer = new LinkedHashMap<>();
    TreeSet<String> addresses = new TreeSet<>();
    List<DnsRecord> dns = new ArrayList<>();
    String base = workload.getMetadata().getName() + "." + domain;
    for (ReplicaPlacement placement : status.getPlacements()) {
      Optional<Resolved> revision = resolved.apply(placement.getRevision());
      if (revision.isPresent()) {
        WorkloadTemplate template = revision.get().template();
        byPeer
            .computeIfAbsent(placement.getPeer(), p -> new ArrayList<>())
            .add(
                new AssignedReplica(
                    placement.getReplica(),
                    workload.getMetadata().getName(),
                    template.getImage(),
                    template.getCommand(),
                    template.getArgs(),
                    revision.get().env(),
                    template.getPorts() == null
                        ? null
                        : template.getPorts().stream().map(WorkloadPort::getPort).toList(),
                    template.getImage() == null ? null : revision.get().registryAuth(),
                    probe(template.getReadinessProbe()),
                    probe(template.getLivenessProbe())));
      }
      if (Boolean.TRUE.equals(placement.getReady()) && placement.getAddress() != null) {
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

  /** A Workload's probe for the agent, with Kubernetes' defaults where the API server left none. */
  static ReplicaProbe probe(Probe probe) {
    if (probe == null) {
      return null;
    }
    return new ReplicaProbe(
        probe.getHttpGet() == null
            ? null
            : new ReplicaProbe.HttpGet(
                probe.getHttpGet().getPath() == null ? "/" : probe.getHttpGet().getPath(),
                probe.getHttpGet().getPort()),
        probe.getTcpSocket() == null
            ? null
            : new ReplicaProbe.TcpSocket(probe.getTcpSocket().getPort()),
        probe.getExec() == null ? null : new ReplicaProbe.Exec(probe.getExec().getCommand()),
        orDefault(probe.getInitialDelaySeconds(), 0),
        orDefault(probe.getPeriodSeconds(), 10),
        orDefault(probe.getTimeoutSeconds(), 1),
        orDefault(probe.getSuccessThreshold(), 1),
        orDefault(probe.getFailureThreshold(), 3));
  }

  private static int orDefault(Integer value, int otherwise) {
    return value == null ? otherwise : value;
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
