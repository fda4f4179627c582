package io.meshfed.operator.netmap;

import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.PathSummary;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerStatus;
import io.meshfed.operator.config.AgentApiRouting;
import io.meshfed.operator.directory.AgentDirectory;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * Feeds the maps from the watch: a Peer's change becomes its entry and its own configuration, a
 * cluster's change recomputes its peers' entries (keepalive, port or MTU may have changed), a
 * cluster's deletion drops its map. The publisher never sees a Kubernetes object.
 */
@Singleton
public class MapFeed {
  private final AgentDirectory directory;
  private final NetMapPublisher publisher;
  private final ObservedEndpoints observed;
  private final RelayKeeper relays;
  private final BooleanSupplier holdsReports;

  /**
   * What joins told us before the Peer's status says it ({@code namespace/name} → the status fields
   * a join settles): the peer is on every map from its join, not from its first reconcile.
   */
  private final Map<String, Joined> joined = new ConcurrentHashMap<>();

  /** The map's view of a join: its key, subnet and where the agent says it listens. */
  public record Joined(
      String publicKey, String subnet, String meshAddress, List<String> endpoints) {}

  @Inject
  public MapFeed(
      AgentDirectory directory,
      NetMapPublisher publisher,
      ObservedEndpoints observed,
      RelayKeeper relays,
      AgentApiRouting routing) {
    this(directory, publisher, observed, relays, routing::holdsReports);
  }

  /** {@code holdsReports}: whether this replica plans relays (the leader) or reads them. */
  public MapFeed(
      AgentDirectory directory,
      NetMapPublisher publisher,
      ObservedEndpoints observed,
      RelayKeeper relays,
      BooleanSupplier holdsReports) {
    this.holdsReports = holdsReports;
    this.directory = directory;
    this.publisher = publisher;
    this.observed = observed;
    this.relays = relays;
  }

  /** After the directory's informers exist: a listener added later still hears every object. */
  void start(@Observes @Priority(Interceptor.Priority.APPLICATION + 1000) StartupEvent event) {
    directory.onClusters(this::clusterChanged, this::clusterGone);
    directory.onPeers(this::peerChanged, this::peerGone);
    observed.onChange(this::observedChanged);
  }

  /** Someone sees a peer at a new endpoint (or no longer at an old one): its candidates change. */
  void observedChanged(String clusterKey, String publicKey) {
    int slash = clusterKey.indexOf('/');
    directory.peersOf(clusterKey.substring(0, slash), clusterKey.substring(slash + 1)).stream()
        .filter(p -> p.getStatus() != null && publicKey.equals(p.getStatus().getPublicKey()))
        .forEach(this::peerChanged);
  }

  /**
   * A peer just joined: it enters the maps now, from what the join settled, without waiting for its
   * reconcile to write the same into its status (at a thousand peers that queue took seconds).
   */
  public void joined(Peer peer, Joined join) {
    joined.put(key(peer), join);
    peerChanged(peer);
  }

  void peerChanged(Peer changed) {
    String clusterName = clusterOf(changed);
    if (clusterName == null) {
      return;
    }
    Peer peer = withJoin(changed);
    String namespace = peer.getMetadata().getNamespace();
    Optional<MeshCluster> cluster = directory.cluster(namespace, clusterName);
    List<String> seen = observedOf(namespace, clusterName, peer);
    MapEntries.Entries entries =
        cluster
            .map(c -> MapEntries.of(peer, c, seen))
            .orElse(new MapEntries.Entries(Optional.empty(), Optional.empty(), false, false));
    String name = peer.getMetadata().getName();
    publisher.peerChanged(namespace, clusterName, name, entries.entry(), entries.self());
    if (entries.entry().isPresent()) {
      relays.member(namespace, clusterName, name, entries.relays(), entries.probes());
      if (!holdsReports.getAsBoolean()) {
        // the leader plans relays from the reports; a standby takes them from what it wrote
        publisher.relaysChanged(namespace, clusterName, name, relaysInStatus(peer));
      }
    } else {
      relays.gone(namespace, clusterName, name);
    }
  }

  /** The peers it reaches through a gateway (target → gateway), as the leader wrote them. */
  static Map<String, String> relaysInStatus(Peer peer) {
    PeerStatus status = peer.getStatus();
    if (status == null
        || status.getPaths() == null
        || status.getPaths().getRelayedPeers() == null) {
      return Map.of();
    }
    Map<String, String> routes = new TreeMap<>();
    for (PathSummary.Link link : status.getPaths().getRelayedPeers()) {
      if (link.getPeer() != null && link.getVia() != null) {
        routes.put(link.getPeer(), link.getVia());
      }
    }
    return routes;
  }

  /**
   * Where its peers see its packets come from: as this process heard in their reports, else as its
   * status says ({@code paths.observedEndpoints}, written by the process that heard them). The
   * status is what another replica or a restarted operator knows: its entries then equal the ones
   * the agents hold, and their versions stand here too (decision 0025).
   */
  private List<String> observedOf(String namespace, String cluster, Peer peer) {
    PeerStatus status = peer.getStatus();
    if (status == null || status.getPublicKey() == null) {
      return List.of();
    }
    List<String> heard = observed.of(namespace, cluster, status.getPublicKey());
    if (!heard.isEmpty() || status.getPaths() == null) {
      return heard;
    }
    List<String> written = status.getPaths().getObservedEndpoints();
    return written == null ? List.of() : written;
  }

  /**
   * The Peer with what its join settled, while its status does not say it yet; once the status has
   * its key, the status alone.
   */
  private Peer withJoin(Peer peer) {
    String key = key(peer);
    Joined join = joined.get(key);
    if (join == null) {
      return peer;
    }
    PeerStatus status = peer.getStatus();
    if (status != null
        && join.publicKey().equals(status.getPublicKey())
        && status.getSubnet() != null) {
      joined.remove(key, join);
      return peer;
    }
    Peer overlaid = new Peer();
    overlaid.setMetadata(peer.getMetadata());
    overlaid.setSpec(peer.getSpec());
    PeerStatus known = new PeerStatus();
    if (status != null) {
      known.setAddresses(status.getAddresses());
      known.setPhase(status.getPhase());
      known.setEndpoint(status.getEndpoint());
    }
    known.setPublicKey(join.publicKey());
    known.setSubnet(join.subnet());
    known.setMeshAddress(join.meshAddress());
    known.setInterfaceEndpoints(join.endpoints().isEmpty() ? null : join.endpoints());
    if (known.getEndpoint() == null && !join.endpoints().isEmpty()) {
      known.setEndpoint(join.endpoints().get(0));
    }
    overlaid.setStatus(known);
    return overlaid;
  }

  private static String key(Peer peer) {
    return peer.getMetadata().getNamespace() + "/" + peer.getMetadata().getName();
  }

  void peerGone(Peer peer) {
    joined.remove(key(peer));
    String clusterName = clusterOf(peer);
    if (clusterName != null) {
      publisher.peerGone(
          peer.getMetadata().getNamespace(), clusterName, peer.getMetadata().getName());
      relays.gone(peer.getMetadata().getNamespace(), clusterName, peer.getMetadata().getName());
    }
  }

  void clusterChanged(MeshCluster cluster) {
    directory
        .peersOf(cluster.getMetadata().getNamespace(), cluster.getMetadata().getName())
        .forEach(this::peerChanged);
  }

  void clusterGone(MeshCluster cluster) {
    publisher.clusterGone(cluster.getMetadata().getNamespace(), cluster.getMetadata().getName());
    observed.forgetCluster(cluster.getMetadata().getNamespace(), cluster.getMetadata().getName());
    relays.clusterGone(cluster.getMetadata().getNamespace(), cluster.getMetadata().getName());
  }

  private static String clusterOf(Peer peer) {
    return peer.getSpec() == null || peer.getSpec().getClusterRef() == null
        ? null
        : peer.getSpec().getClusterRef().getName();
  }
}
