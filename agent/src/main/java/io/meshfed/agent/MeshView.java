package io.meshfed.agent;

import io.meshfed.api.agent.AssignedReplica;
import io.meshfed.api.agent.DnsRecord;
import io.meshfed.api.agent.MapPeer;
import io.meshfed.api.agent.NetMap;
import io.meshfed.api.agent.SelfConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The peer's current picture of the mesh: a full map, then deltas applied on top. */
public final class MeshView {
  private String version;
  private SelfConfig self;
  private final Map<String, MapPeer> peers = new TreeMap<>();
  private List<AssignedReplica> replicas = List.of();
  private List<DnsRecord> dns = List.of();

  /** Peers reached through a relay: name → the gateway peer that relays. */
  private Map<String, String> relays = Map.of();

  public MeshView() {}

  public static MeshView of(NetMap full) {
    MeshView view = new MeshView();
    view.apply(full);
    return view;
  }

  /** Takes a full map or a delta; returns false when nothing about the peers changed. */
  public boolean apply(NetMap map) {
    Map<String, MapPeer> before = new TreeMap<>(peers);
    Map<String, String> relaysBefore = relays;
    if (map.full()) {
      peers.clear();
    }
    if (map.removed() != null) {
      map.removed().forEach(peers::remove);
    }
    if (map.peers() != null) {
      for (MapPeer peer : map.peers()) {
        peers.put(peer.name(), peer);
      }
    }
    if (map.self() != null) {
      self = map.self();
    }
    if (map.replicas() != null) {
      replicas = List.copyOf(map.replicas());
    }
    if (map.dns() != null) {
      dns = List.copyOf(map.dns());
    }
    if (map.relays() != null) {
      relays = Map.copyOf(map.relays());
    } else if (map.full()) {
      relays = Map.of();
    }
    version = map.version();
    return !before.equals(peers) || !relaysBefore.equals(relays);
  }

  /** The whole view as a full map, for the state directory. */
  public NetMap snapshot() {
    return new NetMap(
        version, true, self, List.copyOf(peers.values()), null, replicas, dns, relays);
  }

  public String version() {
    return version;
  }

  public SelfConfig self() {
    return self;
  }

  /** The replicas this peer runs. */
  public List<AssignedReplica> replicas() {
    return replicas;
  }

  /** The cluster's names. */
  public List<DnsRecord> dns() {
    return dns;
  }

  /**
   * The peers as the interface should have them: a peer reached through a relay keeps its entry
   * (endpoint and keepalive: the two go on probing each other directly) without allowed IPs, and
   * its subnets go to the gateway's entry, so its traffic goes through the gateway.
   */
  public Collection<MapPeer> peers() {
    if (relays.isEmpty()) {
      return peers.values();
    }
    Map<String, List<String>> viaExtra = new TreeMap<>();
    Map<String, MapPeer> effective = new TreeMap<>();
    for (MapPeer peer : peers.values()) {
      String via = relays.get(peer.name());
      if (via != null && peers.containsKey(via) && !via.equals(peer.name())) {
        viaExtra.computeIfAbsent(via, k -> new ArrayList<>()).addAll(allowed(peer));
        effective.put(peer.name(), withAllowed(peer, List.of()));
      } else {
        effective.put(peer.name(), peer);
      }
    }
    viaExtra.forEach(
        (via, extra) -> {
          List<String> all = new ArrayList<>(allowed(effective.get(via)));
          all.addAll(extra);
          effective.put(via, withAllowed(effective.get(via), all));
        });
    return effective.values();
  }

  /** Peers reached through a relay, and the gateway. */
  public Map<String, String> relays() {
    return relays;
  }

  private static List<String> allowed(MapPeer peer) {
    return peer.allowedIPs() == null ? List.of() : peer.allowedIPs();
  }

  private static MapPeer withAllowed(MapPeer peer, List<String> allowed) {
    return new MapPeer(
        peer.name(),
        peer.publicKey(),
        peer.endpoints(),
        List.copyOf(allowed),
        peer.persistentKeepalive(),
        peer.site(),
        peer.siteEndpoints());
  }
}
