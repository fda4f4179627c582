package io.meshfed.cli;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.PathSummary;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.PeerPool;
import io.meshfed.api.v1alpha1.PeerRole;
import io.meshfed.api.v1alpha1.ReplicaPlacement;
import io.meshfed.api.v1alpha1.ScaleRecord;
import io.meshfed.api.v1alpha1.Workload;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the dashboard page draws, from a snapshot of the cluster and its recent events. Pure: the
 * objects and now in, one document out, sorted so that the same cluster gives the same bytes.
 *
 * <p>Pairs: every two peers on the mesh are expected to reach each other. The document lists only
 * the pairs that do not go direct — relayed (and via whom), none (and why), unknown (neither side
 * reports) — from what each peer's agent reports in its status; the page draws every other pair of
 * reporting peers as direct. At 500 peers that keeps the document at what the peers' statuses hold
 * rather than 125 000 pairs.
 */
final class DashboardView {
  private DashboardView() {}

  /** The newest events shown. */
  static final int EVENTS = 50;

  record Document(
      String generatedAt,
      ClusterView cluster,
      List<PeerView> peers,
      List<Link> links,
      List<WorkloadView> workloads,
      List<PoolView> pools,
      List<EventView> events) {}

  record ClusterView(
      String namespace,
      String name,
      String phase,
      String cidr,
      String domain,
      String endpoint,
      List<ConditionView> conditions) {}

  record ConditionView(
      String type, String status, String reason, String message, String lastTransitionTime) {}

  record PeerView(
      String name,
      String provider,
      String group,
      String phase,
      String since,
      String health,
      List<String> roles,
      String version,
      String address,
      String meshAddress,
      String subnet,
      String lastSeen,
      boolean reports,
      Integer direct,
      Integer relayed,
      Integer unreachable,
      Long oldestHandshakeSeconds,
      List<String> replicas,
      List<ConditionView> conditions) {}

  /** A pair that does not go direct; {@code a} before {@code b} by name. */
  record Link(String a, String b, String path, String via, String reason) {}

  record WorkloadView(
      String name,
      int desired,
      int ready,
      String image,
      List<ReplicaView> replicas,
      List<ConditionView> conditions) {}

  record ReplicaView(String name, String peer, String state, String address, int restarts) {}

  record PoolView(
      String name,
      String provider,
      int current,
      int desired,
      Integer min,
      Integer max,
      int ready,
      String lastDecision) {}

  record EventView(String time, String type, String reason, String object, String message) {}

  static Document of(ClusterSnapshot s, List<Event> events, Instant now) {
    MeshCluster c = s.cluster();
    var cs = c.getStatus();
    ClusterView cluster =
        new ClusterView(
            c.getMetadata().getNamespace(),
            c.getMetadata().getName(),
            cs == null || cs.getPhase() == null ? "Pending" : cs.getPhase(),
            c.getSpec().getNetwork() == null ? null : c.getSpec().getNetwork().getCidr(),
            c.getSpec().getDomain(),
            cs == null ? null : cs.getEndpoint(),
            conditions(cs == null ? null : cs.getConditions()));

    Map<String, List<String>> replicasOn = new TreeMap<>();
    List<WorkloadView> workloads = new ArrayList<>();
    for (Workload w : s.workloads()) {
      var ws = w.getStatus();
      List<ReplicaView> replicas = new ArrayList<>();
      for (ReplicaPlacement p : ws == null ? List.<ReplicaPlacement>of() : ws.getPlacements()) {
        replicas.add(
            new ReplicaView(
                p.getReplica(),
                p.getPeer(),
                // running but failing its readiness probe: no traffic, so not shown as ready
                "Running".equals(p.getState()) && Boolean.FALSE.equals(p.getReady())
                    ? "NotReady"
                    : p.getState(),
                p.getAddress(),
                p.getRestarts() == null ? 0 : p.getRestarts()));
        if (p.getPeer() != null) {
          replicasOn.computeIfAbsent(p.getPeer(), k -> new ArrayList<>()).add(p.getReplica());
        }
      }
      replicas.sort(
          Comparator.comparing(ReplicaView::name, Comparator.nullsLast(String::compareTo)));
      workloads.add(
          new WorkloadView(
              w.getMetadata().getName(),
              w.getSpec().getReplicas() == null ? 1 : w.getSpec().getReplicas(),
              ws == null || ws.getReadyReplicas() == null ? 0 : ws.getReadyReplicas(),
              w.getSpec().getImage(),
              replicas,
              conditions(ws == null ? null : ws.getConditions())));
    }

    List<PeerView> peers = new ArrayList<>();
    Map<String, PeerView> byName = new TreeMap<>();
    for (Peer p : s.peers()) {
      var ps = p.getStatus();
      PathSummary paths = ps == null ? null : ps.getPaths();
      var hs = ps == null ? null : ps.getHandshakes();
      PeerView view =
          new PeerView(
              p.getMetadata().getName(),
              p.getSpec().getProvider().value(),
              group(p),
              phase(p).value(),
              ps == null ? null : ps.getLastPhaseTransitionTime(),
              ps == null ? null : ps.getHealth(),
              p.getSpec().getRoles() == null
                  ? List.of()
                  : p.getSpec().getRoles().stream().map(PeerRole::value).sorted().toList(),
              ps == null || ps.getAgent() == null ? null : ps.getAgent().getVersion(),
              ps == null || ps.getAddresses() == null
                  ? null
                  : Objects.requireNonNullElse(
                      ps.getAddresses().getPublicAddress(), ps.getAddresses().getPrivateAddress()),
              ps == null ? null : ps.getMeshAddress(),
              ps == null ? null : ps.getSubnet(),
              s.seen(p).map(ClusterSnapshot.Seen::time).orElse(null),
              phase(p) == PeerPhase.READY,
              paths == null ? null : paths.getDirect(),
              paths == null ? null : paths.getRelayed(),
              paths == null ? null : paths.getUnreachable(),
              hs == null ? null : hs.getOldestAgeSeconds(),
              replicasOn.getOrDefault(p.getMetadata().getName(), List.of()),
              conditions(ps == null ? null : ps.getConditions()));
      peers.add(view);
      byName.put(view.name(), view);
    }

    return new Document(
        now.toString(),
        cluster,
        peers,
        links(s.peers(), byName),
        workloads,
        pools(s.pools()),
        events(events));
  }

  /**
   * The pairs that do not go direct. What a Ready peer's agent says about a pair wins over what a
   * silent one said last (its status is as old as its last report): none over relayed.
   */
  static List<Link> links(List<Peer> peers, Map<String, PeerView> byName) {
    Map<String, Link> links = new TreeMap<>();
    for (Peer p : peers) {
      String self = p.getMetadata().getName();
      PeerView view = byName.get(self);
      if (view == null || !view.reports() || p.getStatus() == null) {
        continue;
      }
      PathSummary paths = p.getStatus().getPaths();
      if (paths != null && paths.getRelayedPeers() != null) {
        for (PathSummary.Link l : paths.getRelayedPeers()) {
          put(links, new Link(self, l.getPeer(), "relayed", l.getVia(), null));
        }
      }
      if (paths != null && paths.getUnreachablePeers() != null) {
        for (PathSummary.Link l : paths.getUnreachablePeers()) {
          put(links, new Link(self, l.getPeer(), "none", null, l.getReason()));
        }
      }
      var hs = p.getStatus().getHandshakes();
      if (hs != null && hs.getMissing() != null) {
        for (String other : hs.getMissing()) {
          put(
              links,
              new Link(self, other, "none", null, self + " has no recent handshake with it"));
        }
      }
    }
    // pairs neither side reports on: both silent, so nobody knows
    List<PeerView> onMesh =
        byName.values().stream().filter(v -> v.meshAddress() != null && !v.reports()).toList();
    for (int i = 0; i < onMesh.size(); i++) {
      for (int j = i + 1; j < onMesh.size(); j++) {
        put(
            links,
            new Link(
                onMesh.get(i).name(),
                onMesh.get(j).name(),
                "unknown",
                null,
                "neither agent reports"));
      }
    }
    return List.copyOf(links.values());
  }

  private static final List<String> WORST_FIRST = List.of("none", "relayed", "unknown");

  private static void put(Map<String, Link> links, Link link) {
    if (link.b() == null || link.a().equals(link.b())) {
      return;
    }
    Link ordered =
        link.a().compareTo(link.b()) < 0
            ? link
            : new Link(link.b(), link.a(), link.path(), link.via(), link.reason());
    links.merge(
        ordered.a() + "\u0000" + ordered.b(),
        ordered,
        (had, next) -> WORSE.compare(next, had) < 0 ? next : had);
  }

  /**
   * The worse path first; between equals, by why and via, so the order of reports never matters.
   */
  private static final Comparator<Link> WORSE =
      Comparator.comparingInt((Link l) -> WORST_FIRST.indexOf(l.path()))
          .thenComparing(Link::reason, Comparator.nullsFirst(String::compareTo))
          .thenComparing(Link::via, Comparator.nullsFirst(String::compareTo));

  /** Peers are drawn in groups: provider, and region where the peer has one. */
  static String group(Peer p) {
    String provider = p.getSpec().getProvider().value();
    String region = p.getSpec().getRegion();
    return region == null || region.isBlank() ? provider : provider + "/" + region;
  }

  private static PeerPhase phase(Peer p) {
    return p.getStatus() == null || p.getStatus().getPhase() == null
        ? PeerPhase.PENDING
        : p.getStatus().getPhase();
  }

  private static List<PoolView> pools(List<PeerPool> pools) {
    List<PoolView> views = new ArrayList<>();
    for (PeerPool p : pools) {
      var ps = p.getStatus();
      var a = p.getSpec().getAutoscaling();
      views.add(
          new PoolView(
              p.getMetadata().getName(),
              p.getSpec().getProvider().value(),
              ps == null || ps.getReplicas() == null ? 0 : ps.getReplicas(),
              ps == null || ps.getDesiredReplicas() == null
                  ? Objects.requireNonNullElse(p.getSpec().getReplicas(), 0)
                  : ps.getDesiredReplicas(),
              a == null ? null : Objects.requireNonNullElse(a.getMinReplicas(), 0),
              a == null ? null : a.getMaxReplicas(),
              ps == null || ps.getReadyReplicas() == null ? 0 : ps.getReadyReplicas(),
              ps == null ? null : lastDecision(ps.getLastScaleUp(), ps.getLastScaleDown())));
    }
    return views;
  }

  private static String lastDecision(ScaleRecord up, ScaleRecord down) {
    ScaleRecord last =
        up == null ? down : down == null || up.getTime().compareTo(down.getTime()) >= 0 ? up : down;
    if (last == null) {
      return null;
    }
    return (last == up ? "up " : "down ")
        + last.getTime()
        + (last.getReason() == null ? "" : ": " + last.getReason());
  }

  private static final Set<String> KINDS = Set.of("MeshCluster", "Peer", "PeerPool", "Workload");

  private static List<EventView> events(List<Event> events) {
    return events.stream()
        .filter(
            e -> e.getInvolvedObject() != null && KINDS.contains(e.getInvolvedObject().getKind()))
        .map(
            e ->
                new EventView(
                    time(e),
                    e.getType(),
                    e.getReason(),
                    e.getInvolvedObject().getKind() + "/" + e.getInvolvedObject().getName(),
                    e.getMessage()))
        .sorted(
            Comparator.comparing(EventView::time, Comparator.nullsFirst(String::compareTo))
                .reversed()
                .thenComparing(EventView::object))
        .limit(EVENTS)
        .toList();
  }

  private static String time(Event e) {
    if (e.getLastTimestamp() != null) {
      return e.getLastTimestamp();
    }
    if (e.getEventTime() != null && e.getEventTime().getTime() != null) {
      return e.getEventTime().getTime();
    }
    return e.getMetadata() == null ? null : e.getMetadata().getCreationTimestamp();
  }

  private static List<ConditionView> conditions(List<Condition> conditions) {
    return conditions == null
        ? List.of()
        : conditions.stream()
            .map(
                c ->
                    new ConditionView(
                        c.getType(),
                        c.getStatus(),
                        c.getReason(),
                        c.getMessage(),
                        c.getLastTransitionTime()))
            .toList();
  }
}
