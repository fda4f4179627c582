package io.meshfed.api.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/netmap?since=V}: the peer's view of the mesh at {@code version}.
 *
 * <p>A full map ({@code full = true}) lists every other Ready peer in {@code peers}. A delta lists
 * only the peers added or changed since the agent's version in {@code peers}, and the names of the
 * peers gone in {@code removed}, and {@code self} only when the peer's own configuration changed
 * (null otherwise). {@code replicas} (what this peer runs) and {@code dns} (the cluster's names)
 * are whole lists, sent in a full map and in a delta when they changed; null in a delta means
 * unchanged. So is {@code relays}: the peers this one reaches through a relay, by name, with the
 * gateway peer that relays (their subnets go to the gateway's entry). Versions are opaque: an agent
 * sends back the last one it applied.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NetMap(
    String version,
    boolean full,
    SelfConfig self,
    List<MapPeer> peers,
    List<String> removed,
    List<AssignedReplica> replicas,
    List<DnsRecord> dns,
    Map<String, String> relays) {

  /** A map without relays. */
  public NetMap(
      String version,
      boolean full,
      SelfConfig self,
      List<MapPeer> peers,
      List<String> removed,
      List<AssignedReplica> replicas,
      List<DnsRecord> dns) {
    this(version, full, self, peers, removed, replicas, dns, full ? Map.of() : null);
  }

  /** A map of peers only, with no replicas or names. */
  public NetMap(
      String version, boolean full, SelfConfig self, List<MapPeer> peers, List<String> removed) {
    this(version, full, self, peers, removed, full ? List.of() : null, full ? List.of() : null);
  }
}
