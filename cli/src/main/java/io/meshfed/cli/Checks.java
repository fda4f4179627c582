package io.meshfed.cli;

import io.fabric8.kubernetes.api.model.Condition;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.Workload;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
   * Who reached whom, when some Ready peer misses a handshake: a row per Ready peer, a column per
   * peer it should reach; ✓ a recent handshake, ✗ none (the row's agent named it), ? not known (no
   * report yet, or more missing than the agent names). Empty when every pair is fine. Beyond
   * {@value #MATRIX_MAX} peers, the pairs as a list.
   */
  static List<String> connectivity(ClusterSnapshot s) {
    List<Peer> ready =
        s.peers().stream()
            .filter(p -> p.getStatus() != null && p.getStatus().getPhase() == PeerPhase.READY)
            .toList();
    if (ready.stream().noneMatch(p -> missing(p) > 0)) {
      return List.of();
    }
    List<String> lines = new ArrayList<>();
    if (ready.size() > MATRIX_MAX) {
      lines.add("peers without a recent handshake (the peer's agent → whom it misses):");
      for (Peer p : ready) {
        var h = p.getStatus().getHandshakes();
        if (missing(p) > 0) {
          List<String> named = h.getMissing() == null ? List.of() : h.getMissing();
          lines.add(
              "  "
                  + p.getMetadata().getName()
                  + " → "
                  + String.join(", ", named)
                  + (missing(p) > named.size()
                      ? " and " + (missing(p) - named.size()) + " more"
                      : ""));
        }
      }
      return lines;
    }
    List<String> names = ready.stream().map(p -> p.getMetadata().getName()).toList();
    int width = names.stream().mapToInt(String::length).max().orElse(0) + 4;
    lines.add("connectivity (row: the peer's agent; ✓ recent handshake, ✗ none, ? unknown):");
    lines.add(
        ("  " + pad("", width) + names.stream().map(n -> pad(n, width)).reduce("", String::concat))
            .stripTrailing());
    for (Peer row : ready) {
      var h = row.getStatus().getHandshakes();
      StringBuilder line = new StringBuilder("  " + pad(row.getMetadata().getName(), width));
      for (String column : names) {
        String cell;
        if (column.equals(row.getMetadata().getName())) {
          cell = "·";
        } else if (h == null || h.getMissingCount() == null) {
          cell = "?";
        } else if (h.getMissing() != null && h.getMissing().contains(column)) {
          cell = "✗";
        } else {
          cell = missing(row) > (h.getMissing() == null ? 0 : h.getMissing().size()) ? "?" : "✓";
        }
        line.append(pad(cell, width));
      }
      lines.add(line.toString().stripTrailing());
    }
    return lines;
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
