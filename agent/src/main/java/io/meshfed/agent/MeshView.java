package io.meshfed.agent;

import io.meshfed.api.agent.AssignedReplica;
import io.meshfed.api.agent.DnsRecord;
import io.meshfed.api.agent.MapPeer;
import io.meshfed.api.agent.NetMap;
import io.meshfed.api.agent.SelfConfig;
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

  public MeshView() {}

  public static MeshView of(NetMap full) {
    MeshView view = new MeshView();
    view.apply(full);
    return view;
  }

  /** Takes a full map or a delta; returns false when nothing about the peers changed. */
  public boolean apply(NetMap map) {
    Map<String, MapPeer> before = new TreeMap<>(peers);
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
    version = map.version();
    return !before.equals(peers);
  }

  /** The whole view as a full map, for the state directory. */
  public NetMap snapshot() {
    return new NetMap(version, true, self, List.copyOf(peers.values()), null, replicas, dns);
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

  public Collection<MapPeer> peers() {
    return peers.values();
  }
}
