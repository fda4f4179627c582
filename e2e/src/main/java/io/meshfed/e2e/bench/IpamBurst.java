package io.meshfed.e2e.bench;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshClusterSpec;
import io.meshfed.api.v1alpha1.NetworkSpec;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerSpec;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.e2e.ControlPlane;
import io.meshfed.e2e.OperatorProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * How long the operator takes to give N Peers, created at once, their subnets: the time from the
 * first create to the last status showing a subnet, on a real API server with the built operator.
 *
 * <p>Args: repo dir, output JSON file, peer counts (e.g. 50 200 500).
 */
public final class IpamBurst {
  private IpamBurst() {}

  public static void main(String[] args) throws Exception {
    Path repo = Path.of(args[0]).toAbsolutePath();
    Path out = Path.of(args[1]);
    List<Integer> sizes = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      sizes.add(Integer.parseInt(args[i]));
    }
    Path work = Files.createTempDirectory("meshfed-bench");
    List<String> rows = new ArrayList<>();
    try (ControlPlane plane = ControlPlane.start(work, repo.resolve("crds"));
        OperatorProcess operator =
            OperatorProcess.start(
                repo.resolve("operator/target/quarkus-app/quarkus-run.jar"), plane.kubeconfig(),
                work.resolve("operator.log"),
                    Map.of("meshfed.leader-election.namespace", "default"))) {
      KubernetesClient client = plane.client();
      int run = 0;
      for (int size : sizes) {
        String ns = "burst-" + (run++);
        client
            .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
            .create();
        MeshCluster cluster = new MeshCluster();
        cluster.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName("mesh").build());
        MeshClusterSpec spec = new MeshClusterSpec();
        NetworkSpec network = new NetworkSpec();
        network.setCidr("100.64.0.0/12"); // 4096 peer subnets of /24
        spec.setNetwork(network);
        cluster.setSpec(spec);
        client.resource(cluster).create();
        long ms = burst(client, ns, size);
        System.out.printf(
            "%d peers: all subnets after %d ms (%.0f peers/s)%n", size, ms, size * 1000.0 / ms);
        rows.add(String.format("{\"peers\": %d, \"ms\": %d}", size, ms));
      }
    }
    String json =
        "{\n  \"benchmark\": \"ipam-burst\",\n  \"cores\": "
            + Runtime.getRuntime().availableProcessors()
            + ",\n  \"runs\": [\n    "
            + String.join(",\n    ", rows)
            + "\n  ]\n}\n";
    Files.writeString(out, json);
    System.out.print(json);
  }

  static long burst(KubernetesClient client, String ns, int size) throws Exception {
    // a watch, not list polling: listing every Peer again and again would load the server under
    // test
    Map<String, String> subnets = new ConcurrentHashMap<>();
    CountDownLatch all = new CountDownLatch(1);
    try (Watch watch =
        client
            .resources(Peer.class)
            .inNamespace(ns)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Peer peer) {
                    if (peer.getStatus() != null && peer.getStatus().getSubnet() != null) {
                      subnets.put(peer.getMetadata().getName(), peer.getStatus().getSubnet());
                      if (subnets.size() == size) {
                        all.countDown();
                      }
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                })) {
      long start = System.nanoTime();
      ExecutorService pool = Executors.newFixedThreadPool(16);
      try {
        List<Future<?>> creations = new ArrayList<>();
        for (int i = 0; i < size; i++) {
          Peer peer = new Peer();
          peer.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName("p-" + i).build());
          PeerSpec spec = new PeerSpec();
          spec.setClusterRef(new ClusterReference("mesh"));
          spec.setProvider(ProviderType.STATIC);
          peer.setSpec(spec);
          creations.add(pool.submit(() -> client.resource(peer).create()));
        }
        for (Future<?> f : creations) {
          f.get();
        }
      } finally {
        pool.shutdown();
      }
      if (!all.await(10, TimeUnit.MINUTES)) {
        throw new IllegalStateException(
            subnets.size() + " of " + size + " peers got a subnet in 10 minutes");
      }
      long ms = (System.nanoTime() - start) / 1_000_000;
      if (new HashSet<>(subnets.values()).size() != size) {
        throw new IllegalStateException("duplicate subnet in " + ns);
      }
      return ms;
    }
  }
}
