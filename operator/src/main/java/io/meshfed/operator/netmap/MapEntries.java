package io.meshfed.operator.netmap;

import io.meshfed.api.agent.MapPeer;
import io.meshfed.api.agent.SelfConfig;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.NetworkSpec;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** A Peer and its cluster as entries of the network map: pure translation, no state. */
public final class MapEntries {
  private MapEntries() {}

  /** Ready peers with a key, a subnet and an endpoint are on the map; nobody else is. */
  public static Optional<MapPeer> entryOf(Peer peer, MeshCluster cluster) {
    var status = peer.getStatus();
    if (peer.isMarkedForDeletion()
        || status == null
        || status.getPhase() != PeerPhase.READY
        || status.getPublicKey() == null
        || status.getSubnet() == null
        || status.getEndpoint() == null) {
      return Optional.empty();
    }
    NetworkSpec network = cluster.getSpec().getNetwork();
    Integer keepalive = network == null ? null : network.getPersistentKeepalive();
    return Optional.of(
        new MapPeer(
            peer.getMetadata().getName(),
            status.getPublicKey(),
            List.of(status.getEndpoint()),
            List.of(status.getSubnet()),
            keepalive == null || keepalive == 0 ? null : keepalive));
  }

  /** The peer's own configuration, once it has an address. */
  public static Optional<SelfConfig> selfOf(Peer peer, MeshCluster cluster) {
    var status = peer.getStatus();
    if (status == null || status.getMeshAddress() == null || status.getSubnet() == null) {
      return Optional.empty();
    }
    return Optional.of(
        selfConfig(
            peer.getMetadata().getName(), cluster, status.getMeshAddress(), status.getSubnet()));
  }

  public static SelfConfig selfConfig(
      String peer, MeshCluster cluster, String meshAddress, String subnet) {
    NetworkSpec network = cluster.getSpec().getNetwork();
    return new SelfConfig(
        peer,
        cluster.getMetadata().getName(),
        meshAddress,
        subnet,
        network.getCidr(),
        Objects.requireNonNullElse(network.getListenPort(), 51820),
        network.getMtu(),
        cluster.getSpec().getDomain());
  }
}
