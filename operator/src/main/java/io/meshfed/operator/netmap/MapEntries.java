package io.meshfed.operator.netmap;

import io.meshfed.api.agent.MapPeer;
import io.meshfed.api.agent.SelfConfig;
import io.meshfed.api.v1alpha1.CloudProviderSpec;
import io.meshfed.api.v1alpha1.KeyRotationStatus;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.NetworkSpec;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerRole;
import io.meshfed.api.v1alpha1.PeerStatus;
import io.meshfed.api.v1alpha1.ProviderType;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** A Peer and its cluster as entries of the network map: pure translation, no state. */
public final class MapEntries {
  private MapEntries() {}

  /**
   * Everything the map makes of one peer, from one computation of its candidates.
   *
   * @param entry its entry in the others' maps
   * @param self its own configuration
   * @param relays whether it relays for pairs that cannot reach each other
   * @param probes whether it sends keepalives to every peer
   */
  public record Entries(
      Optional<MapPeer> entry, Optional<SelfConfig> self, boolean relays, boolean probes) {}

  /**
   * @param observed the endpoints other peers observe for its key
   */
  public static Entries of(Peer peer, MeshCluster cluster, List<String> observed) {
    if (peer.getStatus() == null) {
      return new Entries(Optional.empty(), Optional.empty(), false, false);
    }
    Candidates.Result candidates = Candidates.of(facts(peer, cluster, observed));
    boolean relays = relays(peer, candidates);
    return new Entries(
        entryOf(peer, cluster, candidates),
        selfOf(peer, cluster, candidates, relays),
        relays,
        clusterKeepalive(cluster) != null || candidates.keepalive());
  }

  public static Optional<MapPeer> entryOf(Peer peer, MeshCluster cluster, List<String> observed) {
    return of(peer, cluster, observed).entry();
  }

  public static Optional<SelfConfig> selfOf(Peer peer, MeshCluster cluster, List<String> observed) {
    return of(peer, cluster, observed).self();
  }

  /**
   * A peer is on the map from its join (its key and subnet known, somewhere to reach it) until it
   * is deleted. Ready or not is about scheduling: a peer that cannot reach the operator but reaches
   * its peers keeps its tunnels.
   */
  private static Optional<MapPeer> entryOf(
      Peer peer, MeshCluster cluster, Candidates.Result candidates) {
    PeerStatus status = peer.getStatus();
    if (peer.isMarkedForDeletion()
        || status.getPublicKey() == null
        || status.getSubnet() == null
        || candidates.endpoints().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new MapPeer(
            peer.getMetadata().getName(),
            status.getPublicKey(),
            candidates.endpoints(),
            List.of(status.getSubnet()),
            clusterKeepalive(cluster),
            candidates.site(),
            candidates.site() == null ? null : candidates.siteEndpoints()));
  }

  /** The peer's own configuration, once it has an address: where it is, and its keepalive. */
  private static Optional<SelfConfig> selfOf(
      Peer peer, MeshCluster cluster, Candidates.Result candidates, boolean relays) {
    PeerStatus status = peer.getStatus();
    if (status.getMeshAddress() == null || status.getSubnet() == null) {
      return Optional.empty();
    }
    SelfConfig plain =
        selfConfig(
            peer.getMetadata().getName(), cluster, status.getMeshAddress(), status.getSubnet());
    return Optional.of(
        new SelfConfig(
            plain.name(),
            plain.cluster(),
            plain.meshAddress(),
            plain.subnet(),
            plain.clusterCidr(),
            plain.listenPort(),
            plain.mtu(),
            plain.domain(),
            candidates.site(),
            candidates.keepalive() ? Candidates.NAT_KEEPALIVE : null,
            relays ? Boolean.TRUE : null,
            rotateKeyRequest(peer)));
  }

  /**
   * The key rotation asked for, by hand (the Peer's annotation) or by the cluster's schedule, while
   * the agent has not answered it.
   */
  static String rotateKeyRequest(Peer peer) {
    Map<String, String> annotations = peer.getMetadata().getAnnotations();
    String request = annotations == null ? null : annotations.get(MeshfedApi.ROTATE_KEY_ANNOTATION);
    if (request == null || request.isBlank()) {
      return null;
    }
    KeyRotationStatus done = peer.getStatus().getKeyRotation();
    String answered = done == null ? null : done.getRequest();
    if (request != null && !request.isBlank() && !request.equals(answered)) {
      return request;
    }
    // the cluster's schedule: asked until answered, like a request by hand
    String scheduled = done == null ? null : done.getScheduled();
    return scheduled != null && !scheduled.equals(answered) ? scheduled : null;
  }

  /**
   * Whether the peer relays for pairs that cannot reach each other: its role is gateway, and it is
   * reachable as it is (a public address, or seen at its own) — a relay behind NAT would need a
   * relay itself.
   */
  private static boolean relays(Peer peer, Candidates.Result candidates) {
    List<PeerRole> roles = peer.getSpec().getRoles();
    return roles != null && roles.contains(PeerRole.GATEWAY) && !candidates.keepalive();
  }

  /** The cluster's persistent keepalive, null for none. */
  private static Integer clusterKeepalive(MeshCluster cluster) {
    NetworkSpec network = cluster.getSpec().getNetwork();
    Integer keepalive = network == null ? null : network.getPersistentKeepalive();
    return keepalive == null || keepalive <= 0 ? null : keepalive;
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
        listenPort(cluster),
        network.getMtu(),
        cluster.getSpec().getDomain());
  }

  static Candidates.Facts facts(Peer peer, MeshCluster cluster, List<String> observed) {
    PeerStatus status = peer.getStatus();
    String publicAddress =
        status.getAddresses() == null ? null : status.getAddresses().getPublicAddress();
    List<String> own =
        status.getInterfaceEndpoints() != null
            ? status.getInterfaceEndpoints()
            : status.getEndpoint() == null ? List.of() : List.of(status.getEndpoint());
    return new Candidates.Facts(
        publicAddress, listenPort(cluster), own, observed, cloudNetwork(peer, cluster));
  }

  /** A cloud's region is one network for a cluster's machines (the providers make it so). */
  private static String cloudNetwork(Peer peer, MeshCluster cluster) {
    ProviderType provider = peer.getSpec().getProvider();
    if (provider == null || !provider.isCloud()) {
      return null;
    }
    String region = peer.getSpec().getRegion();
    if (region == null && cluster.getSpec().getProviders() != null) {
      CloudProviderSpec account = cluster.getSpec().getProviders().configured().get(provider);
      region = account == null ? null : account.getRegion();
    }
    return region == null ? null : provider.value() + "/" + region;
  }

  private static int listenPort(MeshCluster cluster) {
    NetworkSpec network = cluster.getSpec().getNetwork();
    return Objects.requireNonNullElse(network == null ? null : network.getListenPort(), 51820);
  }
}
