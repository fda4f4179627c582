package io.meshfed.cli;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPool;
import io.meshfed.api.v1alpha1.Workload;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One cluster and its peers, pools and workloads, read once; and when each peer's agent was last
 * heard of, from its heartbeat Lease (empty where the user may not read Leases).
 */
record ClusterSnapshot(
    MeshCluster cluster,
    List<Peer> peers,
    List<PeerPool> pools,
    List<Workload> workloads,
    Map<String, Instant> lastSeen) {

  ClusterSnapshot(
      MeshCluster cluster, List<Peer> peers, List<PeerPool> pools, List<Workload> workloads) {
    this(cluster, peers, pools, workloads, Map.of());
  }

  /** Where the heartbeat Leases of a namespace's peers are listed. */
  static String leasesPath(String namespace) {
    return "/apis/coordination.k8s.io/v1/namespaces/"
        + namespace
        + "/leases?labelSelector="
        + MeshfedApi.PEER_LABEL;
  }

  /** A Lease as far as the plugin reads it. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record HeartbeatLease(Metadata metadata, Spec spec) {
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Metadata(Map<String, String> labels) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Spec(String renewTime) {}
  }

  /** The same from Fabric8's Leases. */
  static Map<String, Instant> leasesSeen(Collection<Lease> leases) {
    return lastSeen(
        leases.stream()
            .map(
                l ->
                    new HeartbeatLease(
                        new HeartbeatLease.Metadata(l.getMetadata().getLabels()),
                        new HeartbeatLease.Spec(
                            l.getSpec() == null || l.getSpec().getRenewTime() == null
                                ? null
                                : l.getSpec().getRenewTime().toInstant().toString())))
            .toList());
  }

  /** Each peer's last renewal; Leases that name no peer or no time are left out. */
  static Map<String, Instant> lastSeen(List<HeartbeatLease> leases) {
    Map<String, Instant> seen = new HashMap<>();
    for (HeartbeatLease lease : leases) {
      String peer =
          lease.metadata() == null || lease.metadata().labels() == null
              ? null
              : lease.metadata().labels().get(MeshfedApi.PEER_LABEL);
      String renewed = lease.spec() == null ? null : lease.spec().renewTime();
      if (peer != null && renewed != null) {
        try {
          seen.merge(peer, Instant.parse(renewed), (a, b) -> a.isAfter(b) ? a : b);
        } catch (DateTimeParseException e) {
          // not a time: as if the Lease said nothing
        }
      }
    }
    return Map.copyOf(seen);
  }

  static ClusterSnapshot read(KubernetesClient client, String namespace, String name) {
    return of(
        namespace,
        name,
        client.resources(MeshCluster.class).inNamespace(namespace).withName(name).get(),
        client.resources(MeshCluster.class).inNamespace(namespace).list().getItems(),
        client.resources(Peer.class).inNamespace(namespace).list().getItems(),
        client.resources(PeerPool.class).inNamespace(namespace).list().getItems(),
        client.resources(Workload.class).inNamespace(namespace).list().getItems(),
        leases(client, namespace));
  }

  private static Map<String, Instant> leases(KubernetesClient client, String namespace) {
    try {
      return leasesSeen(
          client
              .leases()
              .inNamespace(namespace)
              .withLabel(MeshfedApi.PEER_LABEL)
              .list()
              .getItems());
    } catch (KubernetesClientException forbiddenOrMissing) {
      return Map.of(); // status still says roughly when
    }
  }

  /**
   * When a peer's agent was last heard of: its Lease's renewal, else status' refresh of its last
   * heartbeat ({@code fromLease} false: for a Ready peer the report may be more recent).
   */
  record Seen(String time, boolean fromLease) {}

  Optional<Seen> seen(Peer peer) {
    Instant renewed = lastSeen.get(peer.getMetadata().getName());
    if (renewed != null) {
      return Optional.of(new Seen(renewed.toString(), true));
    }
    var agent = peer.getStatus() == null ? null : peer.getStatus().getAgent();
    return Optional.ofNullable(agent == null ? null : agent.getLastHeartbeatTime())
        .map(refreshed -> new Seen(refreshed, false));
  }

  /** A snapshot from lists already at hand (the dashboard's informer caches). */
  static ClusterSnapshot of(
      String namespace,
      String name,
      List<MeshCluster> clusters,
      List<Peer> peers,
      List<PeerPool> pools,
      List<Workload> workloads,
      Map<String, Instant> lastSeen) {
    MeshCluster cluster =
        clusters.stream()
            .filter(c -> name.equals(c.getMetadata().getName()))
            .findFirst()
            .orElse(null);
    return of(namespace, name, cluster, clusters, peers, pools, workloads, lastSeen);
  }

  /** The kinds a snapshot reads. */
  static final List<Class<?>> KINDS =
      List.of(MeshCluster.class, Peer.class, PeerPool.class, Workload.class);

  /**
   * The same through the light read path: the cluster, then its peers, pools and workloads at once.
   */
  static ClusterSnapshot read(KubeReads reads, String namespace, String name) {
    String base = "/apis/meshfed.io/v1alpha1/namespaces/" + namespace + "/";
    MeshCluster cluster = reads.get(base + "meshclusters/" + name, MeshCluster.class).orElse(null);
    if (cluster == null) {
      return of(
          namespace,
          name,
          null,
          KubeReads.await(reads.list(base + "meshclusters", MeshCluster.class)),
          List.of(),
          List.of(),
          List.of(),
          Map.of());
    }
    var peers = reads.list(base + "peers", Peer.class);
    var pools = reads.list(base + "peerpools", PeerPool.class);
    var workloads = reads.list(base + "workloads", Workload.class);
    var leases =
        reads
            .list(leasesPath(namespace), HeartbeatLease.class)
            .exceptionally(forbiddenOrMissing -> List.of()); // status still says roughly when
    return of(
        namespace,
        name,
        cluster,
        List.of(),
        KubeReads.await(peers),
        KubeReads.await(pools),
        KubeReads.await(workloads),
        lastSeen(KubeReads.await(leases)));
  }

  private static ClusterSnapshot of(
      String namespace,
      String name,
      MeshCluster cluster,
      List<MeshCluster> clusters,
      List<Peer> allPeers,
      List<PeerPool> allPools,
      List<Workload> allWorkloads,
      Map<String, Instant> lastSeen) {
    if (cluster == null) {
      List<String> known = clusters.stream().map(c -> c.getMetadata().getName()).sorted().toList();
      throw new KubectlMeshfed.NotFound(
          "no MeshCluster "
              + name
              + " in namespace "
              + namespace
              + (known.isEmpty()
                  ? " (there is none; kubectl get meshclusters -A lists them everywhere)"
                  : " (here: " + String.join(", ", known) + ")"));
    }
    List<Peer> peers =
        allPeers.stream()
            .filter(
                p ->
                    p.getSpec() != null
                        && p.getSpec().getClusterRef() != null
                        && name.equals(p.getSpec().getClusterRef().getName()))
            .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
            .toList();
    List<PeerPool> pools =
        allPools.stream()
            .filter(p -> name.equals(p.getSpec().getClusterRef().getName()))
            .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
            .toList();
    List<Workload> workloads =
        allWorkloads.stream()
            .filter(
                w ->
                    w.getSpec() != null
                        && w.getSpec().getClusterRef() != null
                        && name.equals(w.getSpec().getClusterRef().getName()))
            .sorted(Comparator.comparing(w -> w.getMetadata().getName()))
            .toList();
    return new ClusterSnapshot(cluster, peers, pools, workloads, lastSeen);
  }
}
