package io.meshfed.operator.join;

import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.ReplicaStatus;
import io.meshfed.api.agent.StatusReport;
import io.meshfed.operator.server.AgentApiException;
import io.meshfed.provider.spi.Ipv4;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Bodies are checked field by field; a 400 names the first field at fault and what it should be.
 */
public final class Validation {
  private static final Pattern ENDPOINT =
      Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3}):(\\d{1,5})");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private Validation() {}

  public static void join(JoinRequest request) {
    if (request == null) {
      throw AgentApiException.badField(
          "", "the body must be a JSON object with token and publicKey");
    }
    if (request.token() == null || request.token().isBlank()) {
      throw AgentApiException.badField("token", "token is required");
    }
    publicKey(request.publicKey());
    endpoints(request.endpoints());
    if (request.name() != null) {
      peerName("name", request.name());
    }
  }

  /** At most this many of each list: a machine has a few addresses, a peer a cluster's peers. */
  static final int MAX_ENDPOINTS = 16;

  static final int MAX_HANDSHAKES = 100_000;
  static final int MAX_REPLICAS = 1_000;

  public static void status(StatusReport report) {
    if (report == null) {
      throw AgentApiException.badField("", "the body must be a JSON object");
    }
    atMost("handshakes", report.handshakes(), MAX_HANDSHAKES);
    atMost("replicas", report.replicas(), MAX_REPLICAS);
    endpoints(report.endpoints());
    if (report.handshakes() != null) {
      for (int i = 0; i < report.handshakes().size(); i++) {
        var handshake = report.handshakes().get(i);
        if (handshake == null || !isKey(handshake.publicKey())) {
          throw AgentApiException.badField(
              "handshakes[" + i + "].publicKey", "must be a WireGuard public key");
        }
      }
    }
    if (report.replicas() != null) {
      for (int i = 0; i < report.replicas().size(); i++) {
        var replica = report.replicas().get(i);
        if (replica == null || replica.name() == null || replica.name().isBlank()) {
          throw AgentApiException.badField("replicas[" + i + "].name", "name is required");
        }
        if (!REPLICA_STATES.contains(replica.state())) {
          throw AgentApiException.badField(
              "replicas[" + i + "].state",
              "state must be one of " + REPLICA_STATES + ", got " + replica.state());
        }
      }
    }
  }

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
        throw AgentApiException.badField(
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
        throw AgentApiException.badField(
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
    if (name.length() > 63 || !DNS_SUBDOMAIN.matcher(name).matches()) {
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
    try {
      return key != null && Base64.getDecoder().decode(key).length == 32;
    } catch (IllegalArgumentException e) {
      return false;
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
      var match = endpoint == null ? null : ENDPOINT.matcher(endpoint);
      boolean ok = match != null && match.matches();
      for (int g = 1; ok && g <= 4; g++) {
        ok = Integer.parseInt(match.group(g)) <= 255;
      }
      if (ok) {
        int port = Integer.parseInt(match.group(5));
        ok = port > 0 && port <= 65535;
      }
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
