package io.meshfed.cli;

import io.fabric8.kubernetes.api.model.Condition;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.PeerPool;
import io.meshfed.api.v1alpha1.PeerRole;
import io.meshfed.api.v1alpha1.ResourceAmounts;
import io.meshfed.api.v1alpha1.Workload;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A cluster at a glance, as text or as a document for -o json|yaml. Pure: a snapshot and now in.
 */
final class DescribeView {
  private DescribeView() {}

  /**
   * When the agent was last heard of: its Lease's renewal (as fresh as the agent's reports, or the
   * Lease cadence in a large fleet), else status' refresh, marked "≤" as the latest it could be.
   */
  static String lastSeen(ClusterSnapshot s, Peer peer, Instant now) {
    return s.seen(peer)
        .map(
            seen -> {
              // a Ready peer's status is refreshed only now and then; a NotReady one's is its last
              boolean ready = peer.getStatus().getPhase() == PeerPhase.READY;
              return (!seen.fromLease() && ready ? "≤" : "") + age(seen.time(), now);
            })
        .orElse("");
  }

  static String text(ClusterSnapshot s, Instant now, boolean wide) {
    MeshCluster c = s.cluster();
    var status = c.getStatus();
    StringBuilder out = new StringBuilder();
    out.append("Cluster:    ")
        .append(c.getMetadata().getNamespace())
        .append('/')
        .append(c.getMetadata().getName())
        .append('\n');
    out.append("Phase:      ")
        .append(status == null || status.getPhase() == null ? "Pending" : status.getPhase())
        .append('\n');
    out.append("Network:    ")
        .append(c.getSpec().getNetwork() == null ? "" : c.getSpec().getNetwork().getCidr())
        .append("   domain ")
        .append(c.getSpec().getDomain())
        .append('\n');
    if (status != null && status.getEndpoint() != null) {
      out.append("Agent API:  ").append(status.getEndpoint()).append('\n');
    }
    out.append("Capacity:   ")
        .append(amounts(status == null ? null : status.getCapacity()))
        .append("   allocated ")
        .append(amounts(status == null ? null : status.getAllocated()))
        .append('\n');

    Table peers =
        wide
            ? new Table(
                "NAME",
                "PROVIDER",
                "STATE",
                "ADDRESS",
                "MESH-ADDRESS",
                "HEALTH",
                "ROLES",
                "VERSION",
                "LAST-SEEN",
                "REGION",
                "ENDPOINT",
                "SUBNET",
                "WIREGUARD")
            : new Table(
                "NAME",
                "PROVIDER",
                "STATE",
                "ADDRESS",
                "MESH-ADDRESS",
                "HEALTH",
                "ROLES",
                "VERSION",
                "LAST-SEEN");
    for (Peer p : s.peers()) {
      var ps = p.getStatus();
      Object[] cells = {
        p.getMetadata().getName(),
        p.getSpec().getProvider().value(),
        ps == null || ps.getPhase() == null ? "Pending" : ps.getPhase().value(),
        ps == null || ps.getAddresses() == null
            ? ""
            : firstNonNull(
                ps.getAddresses().getPublicAddress(), ps.getAddresses().getPrivateAddress()),
        ps == null ? "" : ps.getMeshAddress(),
        ps == null ? "" : ps.getHealth(),
        roles(p),
        ps == null || ps.getAgent() == null ? "" : ps.getAgent().getVersion(),
        lastSeen(s, p, now)
      };
      if (wide) {
        peers.row(
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4],
            cells[5],
            cells[6],
            cells[7],
            cells[8],
            p.getSpec().getRegion(),
            ps == null ? "" : ps.getEndpoint(),
            ps == null ? "" : ps.getSubnet(),
            ps == null || ps.getAgent() == null ? "" : ps.getAgent().getWireguard());
      } else {
        peers.row(cells);
      }
    }
    out.append("\nPEERS\n").append(peers.isEmpty() ? "(none)\n" : peers.toString());

    Table pools =
        new Table("NAME", "PROVIDER", "TYPE", "CURRENT", "DESIRED", "MIN", "MAX", "READY");
    for (PeerPool p : s.pools()) {
      var a = p.getSpec().getAutoscaling();
      var ps = p.getStatus();
      pools.row(
          p.getMetadata().getName(),
          p.getSpec().getProvider().value(),
          p.getSpec().getInstanceType(),
          ps == null ? 0 : nz(ps.getReplicas()),
          ps == null || ps.getDesiredReplicas() == null
              ? nz(p.getSpec().getReplicas())
              : ps.getDesiredReplicas(),
          a == null ? "-" : String.valueOf(nz(a.getMinReplicas())),
          a == null ? "-" : String.valueOf(a.getMaxReplicas()),
          ps == null ? 0 : nz(ps.getReadyReplicas()));
    }
    out.append("\nPOOLS\n").append(pools.isEmpty() ? "(none)\n" : pools.toString());

    Table workloads = new Table("NAME", "READY", "PLACED", "NOT-PLACED-BECAUSE");
    for (Workload w : s.workloads()) {
      var ws = w.getStatus();
      int wanted = nz(w.getSpec().getReplicas());
      int placed = ws == null ? 0 : ws.getPlacements().size();
      Condition scheduled =
          ws == null
              ? null
              : ws.getConditions().stream()
                  .filter(x -> "Scheduled".equals(x.getType()))
                  .findFirst()
                  .orElse(null);
      String why =
          scheduled == null || "True".equals(scheduled.getStatus())
              ? ""
              : scheduled.getReason() + ": " + scheduled.getMessage();
      workloads.row(
          w.getMetadata().getName(),
          (ws == null ? 0 : nz(ws.getReadyReplicas())) + "/" + wanted,
          placed + "/" + wanted,
          why.isEmpty() ? "-" : why);
    }
    out.append("\nWORKLOADS\n").append(workloads.isEmpty() ? "(none)\n" : workloads.toString());
    return out.toString();
  }

  /** The same, as a document: the objects' names, specs' essentials and statuses. */
  static Map<String, Object> document(ClusterSnapshot s) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("cluster", s.cluster());
    doc.put("peers", s.peers());
    doc.put("pools", s.pools());
    doc.put("workloads", s.workloads());
    Map<String, String> seen = new TreeMap<>();
    s.lastSeen().forEach((peer, at) -> seen.put(peer, at.toString()));
    doc.put("lastSeen", seen);
    return doc;
  }

  static String age(String timestamp, Instant now) {
    if (timestamp == null) {
      return "";
    }
    try {
      Duration d = Duration.between(Instant.parse(timestamp), now);
      if (d.isNegative()) {
        return "0s";
      }
      long seconds = d.toSeconds();
      if (seconds < 120) {
        return seconds + "s";
      }
      if (seconds < 7200) {
        return seconds / 60 + "m";
      }
      return seconds < 172800 ? seconds / 3600 + "h" : seconds / 86400 + "d";
    } catch (DateTimeParseException e) {
      return "";
    }
  }

  private static String roles(Peer p) {
    List<PeerRole> roles =
        p.getSpec().getRoles() == null ? List.of(PeerRole.WORKER) : p.getSpec().getRoles();
    return roles.stream().map(PeerRole::value).collect(Collectors.joining(","));
  }

  private static String amounts(ResourceAmounts a) {
    if (a == null || a.getCpu() == null && a.getMemory() == null) {
      return "-";
    }
    return "cpu "
        + (a.getCpu() == null ? "0" : a.getCpu().toString())
        + ", memory "
        + (a.getMemory() == null ? "0" : a.getMemory().toString());
  }

  private static int nz(Integer value) {
    return value == null ? 0 : value;
  }

  private static String firstNonNull(String a, String b) {
    return a != null ? a : b;
  }
}
