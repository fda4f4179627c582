package io.meshfed.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPool;
import io.meshfed.api.v1alpha1.Workload;
import java.util.Comparator;
import java.util.List;

/** One cluster and its peers, pools and workloads, read once. */
record ClusterSnapshot(
    MeshCluster cluster, List<Peer> peers, List<PeerPool> pools, List<Workload> workloads) {

  static ClusterSnapshot read(KubernetesClient client, String namespace, String name) {
    return of(
        namespace,
        name,
        client.resources(MeshCluster.class).inNamespace(namespace).withName(name).get(),
        client.resources(MeshCluster.class).inNamespace(namespace).list().getItems(),
        client.resources(Peer.class).inNamespace(namespace).list().getItems(),
        client.resources(PeerPool.class).inNamespace(namespace).list().getItems(),
        client.resources(Workload.class).inNamespace(namespace).list().getItems());
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
          List.of());
    }
    var peers = reads.list(base + "peers", Peer.class);
    var pools = reads.list(base + "peerpools", PeerPool.class);
    var workloads = reads.list(base + "workloads", Workload.class);
    return of(
        namespace,
        name,
        cluster,
        List.of(),
        KubeReads.await(peers),
        KubeReads.await(pools),
        KubeReads.await(workloads));
  }

  private static ClusterSnapshot of(
      String namespace,
      String name,
      MeshCluster cluster,
      List<MeshCluster> clusters,
      List<Peer> allPeers,
      List<PeerPool> allPools,
      List<Workload> allWorkloads) {
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
    return new ClusterSnapshot(cluster, peers, pools, workloads);
  }
}
