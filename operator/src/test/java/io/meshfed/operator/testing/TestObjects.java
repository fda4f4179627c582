package io.meshfed.operator.testing;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshClusterSpec;
import io.meshfed.api.v1alpha1.NetworkSpec;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerSpec;
import io.meshfed.api.v1alpha1.ProviderType;
import java.util.concurrent.atomic.AtomicInteger;

/** Objects as a user writes them: only what they mean, defaults left to the server. */
public final class TestObjects {
  private static final AtomicInteger NAMESPACES = new AtomicInteger();

  private TestObjects() {}

  /**
   * A namespace of its own for each test; nothing deletes namespaces here (no controller-manager).
   */
  public static String freshNamespace(KubernetesClient client, String prefix) {
    String name =
        prefix
            + "-"
            + NAMESPACES.incrementAndGet()
            + "-"
            + Long.toHexString(System.nanoTime() & 0xffffff);
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    return name;
  }

  public static MeshCluster cluster(
      String namespace, String name, String cidr, Integer peerPrefix) {
    MeshCluster cluster = new MeshCluster();
    cluster.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
    MeshClusterSpec spec = new MeshClusterSpec();
    if (cidr != null || peerPrefix != null) {
      NetworkSpec network = new NetworkSpec();
      network.setCidr(cidr);
      network.setPeerSubnetPrefix(peerPrefix);
      spec.setNetwork(network);
    }
    cluster.setSpec(spec);
    return cluster;
  }

  public static Peer peer(String namespace, String name, String cluster, ProviderType provider) {
    Peer peer = new Peer();
    peer.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
    PeerSpec spec = new PeerSpec();
    spec.setClusterRef(new ClusterReference(cluster));
    spec.setProvider(provider);
    peer.setSpec(spec);
    return peer;
  }
}
