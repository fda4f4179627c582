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
 * sends back the last one it applied. {@code logFetches}: output the operator asks this peer to
 * send now (a reply may carry them and nothing else, at the version the agent has).
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
    Map<String, String> relays,
    List<LogFetch> logFetches) {

  public NetMap(
      String version,
      boolean full,
      SelfConfig self,
      List<MapPeer> peers,
      List<String> removed,
      List<AssignedReplica> replicas,
      List<DnsRecord> dns,
      Map<String, String> relays) {
    this(version, full, self, peers, removed, replicas, dns, relays, null);
  }

  /** Nothing new on the map: only output to send. */
  public static NetMap logFetchesOnly(String version, List<LogFetch> fetches) {
    return new NetMap(version, false, null, List.of(), List.of(), null, null, null, fetches);
  }

  /** Whether this reply only asks for output: nothing of the map changed. */
  public boolean onlyLogFetches() {
    return logFetches != null
        && !full
        && self == null
        && (peers == null || peers.isEmpty())
        && (removed == null || removed.isEmpty())
        && replicas == null
        && dns == null
        && relays == null;
  }

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
