package io.meshfed.cli;

import io.fabric8.kubernetes.api.model.Condition;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.PathSummary;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.Workload;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * What {@code troubleshoot} checks, as a pure function of a snapshot, the time and a probe of the
 * agent API (endpoint in, a problem or empty out).
 */
final class Checks {
  enum Result {
    OK,
    WARN,
    FAIL
  }

  record Check(Result result, String title, String hint) {
    String line() {
      String mark =
          switch (result) {
            case OK -> "✓";
            case WARN -> "!";
            case FAIL -> "✗";
          };
      return mark + " " + title + (hint == null ? "" : "\n    hint: " + hint);
    }
  }

  static final Duration TOKEN_WARNING = Duration.ofDays(1);

  private Checks() {}

  static List<Check> run(ClusterSnapshot s, Instant now, Function<String, Optional<String>> probe) {
    List<Check> checks = new ArrayList<>();
    MeshCluster c = s.cluster();
    String name = c.getMetadata().getNamespace() + "/" + c.getMetadata().getName();
    var status = c.getStatus();
    if (status == null
        || status.getObservedGeneration() == null
        || !status.getObservedGeneration().equals(c.getMetadata().getGeneration())) {
      checks.add(
          new Check(
              Result.FAIL,
              "the operator has not reconciled MeshCluster "
                  + name
                  + " (generation "
                  + c.getMetadata().getGeneration()
                  + ")",
              "is the operator running? kubectl get pods -A -l"
                  + " app.kubernetes.io/name=meshfed; kubectl logs it"));
    } else {
      checks.add(
          new Check(
              Result.OK,
              "the operator reconciles MeshCluster " + name + " (phase " + status.getPhase() + ")",
              null));
    }

    String endpoint = status == null ? null : status.getEndpoint();
    if (endpoint == null) {
      checks.add(
          new Check(
              Result.FAIL,
              "the agent API has no endpoint",
              "set agentApi.endpoint in the chart's values"));
    } else {
      Optional<String> problem = probe.apply(endpoint);
      checks.add(
          problem.isEmpty()
              ? new Check(
                  Result.OK,
                  "the agent API answers at " + endpoint + " with a valid certificate",
                  null)
              : new Check(
                  Result.FAIL,
                  "the agent API at " + endpoint + ": " + problem.get(),
                  "agents and hosts cannot join or get their maps; check the agent API Service and its TLS Secret"));
    }

    if (status != null) {
      for (Condition condition : status.getConditions()) {
        if ("MeshConnected".equals(condition.getType()) && condition.getStatus() != null) {
          checks.add(
              switch (condition.getStatus()) {
                case "True" -> new Check(Result.OK, "mesh paths: " + condition.getMessage(), null);
                case "False" ->
                    new Check(
                        Result.FAIL,
                        "mesh paths: " + condition.getMessage(),
                        "pairs behind NAT that cannot reach each other need a gateway peer both"
                            + " reach: a peer with role gateway and a public address (UDP "
                            + "listenPort open); see docs/networking.md");
                default -> new Check(Result.WARN, "mesh paths: " + condition.getMessage(), null);
              });
        }
        if ("CredentialsValid".equals(condition.getType())) {
          checks.add(
              "False".equals(condition.getStatus())
                  ? new Check(
                      Result.FAIL,
                      "cloud credentials: " + condition.getMessage(),
                      "fix the Secret named in spec.providers; the operator checks again on its own")
                  : new Check(Result.OK, "cloud credentials: " + condition.getMessage(), null));
        }
      }
      String expires = status.getJoinTokenExpiresAt();
      Instant expiry = instant(expires);
      if (expiry != null && !expiry.isAfter(now)) {
        checks.add(
            new Check(
                Result.FAIL,
                "the cluster's join token expired at " + expires,
                "hosts cannot join: the operator issues a new one (spec.joinToken.ttl), or delete Secret "
                    + status.getJoinTokenSecret()
                    + " to rotate it now"));
      } else if (expiry != null && expiry.isBefore(now.plus(TOKEN_WARNING))) {
        checks.add(
            new Check(
                Result.WARN,
                "the cluster's join token expires at " + expires,
                "it is rotated on its own;" + " hosts given the old one must join before then"));
      }
    }

    List<String> notReady = new ArrayList<>();
    for (Peer p : s.peers()) {
      var ps = p.getStatus();
      PeerPhase phase = ps == null || ps.getPhase() == null ? PeerPhase.PENDING : ps.getPhase();
      if (phase != PeerPhase.READY) {
        notReady.add(p.getMetadata().getName());
        checks.add(
            new Check(
                phase == PeerPhase.NOT_READY || phase == PeerPhase.FAILED
                    ? Result.FAIL
                    : Result.WARN,
                "peer "
                    + p.getMetadata().getName()
                    + " is "
                    + phase.value()
                    + conditionText(p, "Ready"),
                phase == PeerPhase.FAILED
                    ? "kubectl describe peer "
                        + p.getMetadata().getName()
                        + " -n "
                        + p.getMetadata().getNamespace()
                        + " shows the provider's reason"
                    : null));
      } else if (ps.getHandshakes() != null
          && ps.getHandshakes().getExpected() != null
          && ps.getHandshakes().getRecent() != null
          && ps.getHandshakes().getRecent() < ps.getHandshakes().getExpected()) {
        checks.add(
            new Check(
                Result.FAIL,
                "peer "
                    + p.getMetadata().getName()
                    + " has recent handshakes with "
                    + ps.getHandshakes().getRecent()
                    + " of "
                    + ps.getHandshakes().getExpected()
                    + " peers"
                    + conditionText(p, "Healthy"),
                "UDP to the WireGuard port between them is blocked or an endpoint is"
                    + " wrong: check firewalls and the peers' ENDPOINT (kubectl meshfed describe -o wide)"));
      }
    }
    long ready = s.peers().size() - notReady.size();
    if (notReady.isEmpty()) {
      checks.add(
          new Check(
              Result.OK,
              "all "
                  + ready
                  + " peers are Ready"
                  + (s.peers().isEmpty() ? "" : " and reach each other"),
              null));
    }

    for (Workload w : s.workloads()) {
      Condition scheduled =
          w.getStatus() == null
              ? null
              : w.getStatus().getConditions().stream()
                  .filter(x -> "Scheduled".equals(x.getType()))
                  .findFirst()
                  .orElse(null);
      if (scheduled != null && "False".equals(scheduled.getStatus())) {
        checks.add(
            new Check(
                "NoMatchingPeer".equals(scheduled.getReason()) ? Result.FAIL : Result.WARN,
                "workload "
                    + w.getMetadata().getName()
                    + " cannot place every replica: "
                    + scheduled.getReason()
                    + ": "
                    + scheduled.getMessage(),
                "NoMatchingPeer: loosen its placement or add matching peers; NoResourcesAvailable: add room"
                    + " (kubectl meshfed grow)"));
      }
    }
    return checks;
  }

  /**
   * Who reaches whom, when some Ready peer misses a handshake or goes through a gateway: a row per
   * Ready peer, a column per peer it should reach; ✓ a recent direct handshake, ↻ relayed through a
   * gateway, ✗ none (the row's agent named it), ? not known (no report yet, or more than the status
   * names). Below it, why each pair without a path has none. Empty when every pair is direct.
   * Beyond {@value #MATRIX_MAX} peers, the pairs as a list.
   */
  static List<String> connectivity(ClusterSnapshot s) {
    List<Peer> ready =
        s.peers().stream()
            .filter(p -> p.getStatus() != null && p.getStatus().getPhase() == PeerPhase.READY)
            .toList();
    if (ready.stream().noneMatch(p -> missing(p) > 0 || relayed(p) > 0)) {
      return List.of();
    }
    List<String> lines = new ArrayList<>();
    if (ready.size() > MATRIX_MAX) {
      lines.add("peers not reaching every peer directly (the peer's agent → whom):");
      for (Peer p : ready) {
        if (missing(p) > 0 || relayed(p) > 0) {
          lines.add(
              "  "
                  + p.getMetadata().getName()
                  + " → "
                  + (missing(p) > 0 ? "✗ " + listed(missingNames(p), missing(p)) : "")
                  + (missing(p) > 0 && relayed(p) > 0 ? "; " : "")
                  + (relayed(p) > 0 ? "↻ " + listed(relayedNames(p), relayed(p)) : ""));
        }
      }
      lines.addAll(reasons(ready));
      return lines;
    }
    List<String> names = ready.stream().map(p -> p.getMetadata().getName()).toList();
    int width = names.stream().mapToInt(String::length).max().orElse(0) + 4;
    lines.add(
        "connectivity (row: the peer's agent; ✓ direct, ↻ relayed through a gateway, ✗ none, ?"
            + " unknown):");
    lines.add(
        ("  " + pad("", width) + names.stream().map(n -> pad(n, width)).reduce("", String::concat))
            .stripTrailing());
    for (Peer row : ready) {
      var h = row.getStatus().getHandshakes();
      List<String> relayedTo = relayedNames(row);
      boolean allNamed =
          missing(row) <= missingNames(row).size() && relayed(row) <= relayedTo.size();
      StringBuilder line = new StringBuilder("  " + pad(row.getMetadata().getName(), width));
      for (String column : names) {
        String cell;
        if (column.equals(row.getMetadata().getName())) {
          cell = "·";
        } else if (h == null || h.getMissingCount() == null) {
          cell = "?";
        } else if (missingNames(row).contains(column)) {
          cell = "✗";
        } else if (relayedTo.contains(column)) {
          cell = "↻";
        } else {
          cell = allNamed ? "✓" : "?";
        }
        line.append(pad(cell, width));
      }
      lines.add(line.toString().stripTrailing());
    }
    lines.addAll(reasons(ready));
    return lines;
  }

  /** "a ↻ b via gw" and "a ✗ b: why" lines, each pair once. */
  private static List<String> reasons(List<Peer> ready) {
    Set<String> seen = new TreeSet<>();
    List<String> lines = new ArrayList<>();
    for (Peer p : ready) {
      PathSummary paths = p.getStatus().getPaths();
      if (paths == null) {
        continue;
      }
      String name = p.getMetadata().getName();
      for (PathSummary.Link link : orEmpty(paths.getRelayedPeers())) {
        if (seen.add(pairKey(name, link.getPeer()))) {
          lines.add("  " + name + " ↻ " + link.getPeer() + " via " + link.getVia());
        }
      }
      for (PathSummary.Link link : orEmpty(paths.getUnreachablePeers())) {
        if (seen.add(pairKey(name, link.getPeer()))) {
          lines.add("  " + name + " ✗ " + link.getPeer() + ": " + link.getReason());
        }
      }
    }
    if (!lines.isEmpty()) {
      lines.add(0, "");
      lines.add(1, "paths through gateways, and pairs without one:");
    }
    return lines;
  }

  private static String pairKey(String a, String b) {
    return a.compareTo(b) < 0 ? a + " " + b : b + " " + a;
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static String listed(List<String> named, int count) {
    return String.join(", ", named)
        + (count > named.size() ? " and " + (count - named.size()) + " more" : "");
  }

  private static List<String> missingNames(Peer p) {
    var h = p.getStatus().getHandshakes();
    return h == null || h.getMissing() == null ? List.of() : h.getMissing();
  }

  private static List<String> relayedNames(Peer p) {
    PathSummary paths = p.getStatus().getPaths();
    return paths == null
        ? List.of()
        : orEmpty(paths.getRelayedPeers()).stream().map(PathSummary.Link::getPeer).toList();
  }

  private static int relayed(Peer p) {
    PathSummary paths = p.getStatus().getPaths();
    return paths == null || paths.getRelayed() == null ? 0 : paths.getRelayed();
  }

  static final int MATRIX_MAX = 12;

  private static int missing(Peer p) {
    var h = p.getStatus().getHandshakes();
    return h == null || h.getMissingCount() == null ? 0 : h.getMissingCount();
  }

  private static String pad(String text, int width) {
    return text + " ".repeat(Math.max(1, width - text.length()));
  }

  private static String conditionText(Peer p, String type) {
    if (p.getStatus() == null) {
      return "";
    }
    return p.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .map(c -> " (" + c.getReason() + ": " + c.getMessage() + ")")
        .orElse("");
  }

  private static Instant instant(String text) {
    try {
      return text == null ? null : Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
