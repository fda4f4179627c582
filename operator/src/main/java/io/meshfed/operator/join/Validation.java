package io.meshfed.operator.join;

import io.meshfed.api.agent.AgentFacts;
import io.meshfed.api.agent.CaBundle;
import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.KeyRotation;
import io.meshfed.api.agent.ReplicaStatus;
import io.meshfed.api.agent.StatusReport;
import io.meshfed.operator.server.AgentApiException;
import io.meshfed.provider.spi.Ipv4;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Bodies are checked field by field; a 400 names the first field at fault and what it should be.
 * The same rules, as the patterns below, are in the OpenAPI document ({@code AgentApiDocument}): a
 * body the document admits is never refused for its shape. What only the cluster knows (an endpoint
 * inside its mesh, a replica outside the peer's subnet) is a refused claim, 403.
 */
public final class Validation {
  private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
  private static final String PORT =
      "([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])";

  /** An IPv4 address and a UDP port, e.g. 203.0.113.7:51820. */
  public static final String ENDPOINT_PATTERN = "^(" + OCTET + "\\.){3}" + OCTET + ":" + PORT + "$";

  /** A WireGuard key as `wg` prints it: 32 bytes, base64 with its padding. */
  public static final String KEY_PATTERN = "^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$";

  /** A Peer name: a DNS subdomain of at most 63 characters. */
  public static final String PEER_NAME_PATTERN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  public static final int PEER_NAME_MAX = 63;

  /** The secret part of a token or credential. */
  public static final String CREDENTIAL_SECRET_PATTERN = "^[0-9a-f]{64}$";

  /** Text that is not only white space (ASCII's: the same in Java's and JSON Schema's regexes). */
  public static final String NOT_BLANK_PATTERN = "[^ \\t\\n\\r\\f\\x0B]";

  private static final Pattern ENDPOINT = Pattern.compile(ENDPOINT_PATTERN);
  private static final Pattern KEY = Pattern.compile(KEY_PATTERN);
  private static final Pattern DNS_SUBDOMAIN = Pattern.compile(PEER_NAME_PATTERN);
  private static final Pattern NOT_BLANK = Pattern.compile(NOT_BLANK_PATTERN);
  private static final Pattern CREDENTIAL_SECRET = Pattern.compile(CREDENTIAL_SECRET_PATTERN);

  private Validation() {}

  public static void join(JoinRequest request) {
    if (request == null) {
      throw AgentApiException.badField(
          "", "the body must be a JSON object with token and publicKey");
    }
    if (request.token() == null || !NOT_BLANK.matcher(request.token()).find()) {
      throw AgentApiException.badField("token", "token is required");
    }
    publicKey(request.publicKey());
    endpoints(request.endpoints());
    facts(request.facts());
    if (request.name() != null) {
      peerName("name", request.name());
    }
  }

  /** At most this many of each list: a machine has a few addresses, a peer a cluster's peers. */
  public static final int MAX_ENDPOINTS = 16;

  /** A short fact such as which WireGuard runs: it lands in Peer status. */
  public static final int MAX_FACT_LENGTH = 128;

  public static final int MAX_HANDSHAKES = 100_000;
  public static final int MAX_REPLICAS = 1_000;

  /** 9999-12-31T23:59:59Z: a handshake time past it is no time (found by schemathesis: a 500). */
  public static final long MAX_EPOCH_SECONDS = 253_402_300_799L;

  public static void rotation(KeyRotation rotation) {
    if (rotation == null) {
      throw AgentApiException.badField("", "the body must be a JSON object");
    }
    if (rotation.request() == null || !NOT_BLANK.matcher(rotation.request()).find()) {
      throw AgentApiException.badField("request", "request is required: the rotation answered");
    }
    publicKey(rotation.publicKey());
    if (rotation.credential() != null
        && !CREDENTIAL_SECRET.matcher(rotation.credential()).matches()) {
      throw AgentApiException.badField(
          "credential",
          "credential must be 64 lower-case hex digits (the next credential's secret)");
    }
  }

  private static void tunnels(StatusReport.Tunnels tunnels) {
    if (tunnels == null) {
      return;
    }
    if (tunnels.configured() == null
        || tunnels.recent() == null
        || tunnels.recentSeconds() == null) {
      throw AgentApiException.badField(
          tunnels.configured() == null
              ? "tunnels.configured"
              : tunnels.recent() == null ? "tunnels.recent" : "tunnels.recentSeconds",
          "tunnels needs configured, recent and recentSeconds");
    }
    if (tunnels.configured() < 0 || tunnels.configured() > MAX_HANDSHAKES) {
      throw AgentApiException.badField(
          "tunnels.configured", "must be from 0 to " + MAX_HANDSHAKES + " WireGuard peers");
    }
    if (tunnels.recent() < 0 || tunnels.recent() > MAX_HANDSHAKES) {
      throw AgentApiException.badField(
          "tunnels.recent", "must be from 0 to " + MAX_HANDSHAKES + " WireGuard peers");
    }
    if (tunnels.recentSeconds() < 1) {
      throw AgentApiException.badField("tunnels.recentSeconds", "must be 1 or more");
    }
    if (tunnels.oldestAgeSeconds() != null && tunnels.oldestAgeSeconds() < 0) {
      throw AgentApiException.badField("tunnels.oldestAgeSeconds", "must be 0 or more");
    }
    atMost("tunnels.unconfigured", tunnels.unconfigured(), MAX_HANDSHAKES);
    if (tunnels.unconfigured() != null) {
      for (int i = 0; i < tunnels.unconfigured().size(); i++) {
        if (!isKey(tunnels.unconfigured().get(i))) {
          throw AgentApiException.badField(
              "tunnels.unconfigured[" + i + "]", "must be a WireGuard public key");
        }
      }
    }
  }

  public static void status(StatusReport report) {
    if (report == null) {
      throw AgentApiException.badField("", "the body must be a JSON object");
    }
    atMost("handshakes", report.handshakes(), MAX_HANDSHAKES);
    atMost("replicas", report.replicas(), MAX_REPLICAS);
    atMost("caHashes", report.caHashes(), CaBundle.MAX_PINS);
    if (report.caHashes() != null) {
      for (int i = 0; i < report.caHashes().size(); i++) {
        String pin = report.caHashes().get(i);
        if (pin == null || !CaBundle.PIN.matcher(pin).matches()) {
          throw AgentApiException.badField(
              "caHashes[" + i + "]", "must be sha256: and 64 lowercase hex digits");
        }
      }
    }
    endpoints(report.endpoints());
    facts(report.facts());
    if (report.handshakes() != null) {
      for (int i = 0; i < report.handshakes().size(); i++) {
        var handshake = report.handshakes().get(i);
        if (handshake == null || !isKey(handshake.publicKey())) {
          throw AgentApiException.badField(
              "handshakes[" + i + "].publicKey", "must be a WireGuard public key");
        }
        if (handshake.lastHandshakeEpochSeconds() < 0
            || handshake.lastHandshakeEpochSeconds() > MAX_EPOCH_SECONDS) {
          throw AgentApiException.badField(
              "handshakes[" + i + "].lastHandshakeEpochSeconds",
              "must be seconds since 1970 (0 for never), before the year 10000");
        }
        if (handshake.rxBytes() < 0 || handshake.txBytes() < 0) {
          throw AgentApiException.badField(
              "handshakes[" + i + "].rxBytes", "byte counts are 0 or more");
        }
      }
    }
    tunnels(report.tunnels());
    if (report.replicas() != null) {
      for (int i = 0; i < report.replicas().size(); i++) {
        var replica = report.replicas().get(i);
        if (replica == null
            || replica.name() == null
            || !NOT_BLANK.matcher(replica.name()).find()) {
          throw AgentApiException.badField("replicas[" + i + "].name", "name is required");
        }
        // List.of(…).contains(null) throws: a missing state is refused like a wrong one (found by
        // schemathesis)
        if (replica.state() == null || !REPLICA_STATES.contains(replica.state())) {
          throw AgentApiException.badField(
              "replicas[" + i + "].state",
              "state must be one of " + REPLICA_STATES + ", got " + replica.state());
        }
        // it goes into the Workload's status as it is: one of the words, or none
        if (replica.reason() != null && !REPLICA_REASONS.contains(replica.reason())) {
          throw AgentApiException.badField(
              "replicas[" + i + "].reason",
              "reason must be one of " + REPLICA_REASONS + ", got " + replica.reason());
        }
      }
    }
  }

  public static final List<String> REPLICA_REASONS =
      List.of(
          ReplicaStatus.EXITED,
          ReplicaStatus.IMAGE_PULL_FAILED,
          ReplicaStatus.START_FAILED,
          ReplicaStatus.UNHEALTHY,
          ReplicaStatus.NOT_READY);

  private static final List<String> REPLICA_STATES =
      List.of(
          ReplicaStatus.PENDING,
          ReplicaStatus.STARTING,
          ReplicaStatus.RUNNING,
          ReplicaStatus.FAILED);

  /**
   * Endpoints an agent may claim for itself: none that every peer would reach on itself (loopback,
   * unspecified), none that is not routed (link-local, multicast, broadcast), none inside the mesh
   * (a tunnel inside the tunnel).
   */
  public static void reachableEndpoints(List<String> endpoints, String clusterCidr) {
    if (endpoints == null) {
      return;
    }
    for (int i = 0; i < endpoints.size(); i++) {
      String endpoint = endpoints.get(i);
      int address = Ipv4.parse(endpoint.substring(0, endpoint.indexOf(':')));
      String why = null;
      if ((address >>> 24) == 127) {
        why = "a loopback address";
      } else if ((address >>> 24) == 0) {
        why = "an unspecified address";
      } else if ((address >>> 16) == ((169 << 8) | 254)) {
        why = "a link-local address";
      } else if ((address >>> 28) >= 0xE) {
        why = "a multicast or reserved address";
      } else if (clusterCidr != null && Ipv4.inside(Ipv4.format(address), clusterCidr)) {
        why = "inside the mesh (" + clusterCidr + ")";
      }
      if (why != null) {
        throw AgentApiException.refusedClaim(
            "endpoints[" + i + "]",
            endpoint + " is " + why + ": other peers cannot reach it there");
      }
    }
  }

  /** A replica's address must be its peer's: inside the peer's subnet. */
  public static void replicaAddresses(List<ReplicaStatus> replicas, String subnet) {
    if (replicas == null || subnet == null) {
      return;
    }
    for (int i = 0; i < replicas.size(); i++) {
      String address = replicas.get(i).address();
      if (address == null) {
        continue;
      }
      boolean ok;
      try {
        ok = Ipv4.inside(address, subnet);
      } catch (IllegalArgumentException e) {
        ok = false;
      }
      if (!ok) {
        throw AgentApiException.refusedClaim(
            "replicas[" + i + "].address",
            address + " is not in this peer's subnet " + subnet + ": a replica runs on its peer");
      }
    }
  }

  static String peerNameFromHost(JoinRequest request) {
    String host = request.facts() == null ? null : request.facts().hostname();
    if (host == null || host.isBlank()) {
      throw AgentApiException.badField("name", "name is required when facts.hostname is not given");
    }
    String name = host.toLowerCase(Locale.ROOT).split("\\.", -1)[0];
    peerName("facts.hostname", name);
    return name;
  }

  private static void peerName(String field, String name) {
    if (name.length() > PEER_NAME_MAX || !DNS_SUBDOMAIN.matcher(name).matches()) {
      throw AgentApiException.badField(
          field,
          "'"
              + name
              + "' is not a valid Peer name: lower case letters,"
              + " digits, '-' and '.', at most 63 characters, starting and ending alphanumeric");
    }
  }

  private static void publicKey(String key) {
    if (key == null || key.isBlank()) {
      throw AgentApiException.badField(
          "publicKey", "publicKey is required: the agent's WireGuard public key");
    }
    if (!isKey(key)) {
      throw AgentApiException.badField(
          "publicKey",
          "publicKey must be a WireGuard public key: 32 bytes, base64 (as `wg pubkey` prints it)");
    }
  }

  private static boolean isKey(String key) {
    return key != null && KEY.matcher(key).matches();
  }

  /** A machine's size: what scheduling counts on, so never below zero. */
  private static void facts(AgentFacts facts) {
    if (facts == null) {
      return;
    }
    if (facts.cpuCores() != null && facts.cpuCores() < 0) {
      throw AgentApiException.badField("facts.cpuCores", "cpuCores must be 0 or more");
    }
    if (facts.memoryBytes() != null && facts.memoryBytes() < 0) {
      throw AgentApiException.badField("facts.memoryBytes", "memoryBytes must be 0 or more");
    }
    if (facts.wireguard() != null && facts.wireguard().length() > MAX_FACT_LENGTH) {
      throw AgentApiException.badField(
          "facts.wireguard", "wireguard is at most " + MAX_FACT_LENGTH + " characters");
    }
  }

  private static void atMost(String field, List<?> list, int most) {
    if (list != null && list.size() > most) {
      throw AgentApiException.badField(
          field, field + " holds " + list.size() + " entries; at most " + most + " are accepted");
    }
  }

  private static void endpoints(List<String> endpoints) {
    if (endpoints == null) {
      return;
    }
    atMost("endpoints", endpoints, MAX_ENDPOINTS);
    for (int i = 0; i < endpoints.size(); i++) {
      String endpoint = endpoints.get(i);
      boolean ok = endpoint != null && ENDPOINT.matcher(endpoint).matches();
      if (!ok) {
        throw AgentApiException.badField(
            "endpoints[" + i + "]",
            "'"
                + endpoint
                + "' is not an endpoint: expected IPv4 address and UDP port, e.g. 203.0.113.7:51820");
      }
    }
  }
}
