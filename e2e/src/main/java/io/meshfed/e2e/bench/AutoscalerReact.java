package io.meshfed.e2e.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.meshfed.api.v1alpha1.AutoscalingSpec;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshClusterSpec;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.NetworkSpec;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPool;
import io.meshfed.api.v1alpha1.PeerPoolSpec;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.api.v1alpha1.ResourceAmounts;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.api.v1alpha1.WorkloadResources;
import io.meshfed.api.v1alpha1.WorkloadSpec;
import io.meshfed.e2e.ControlPlane;
import io.meshfed.e2e.OperatorProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * React time of the autoscaler: from creating a Workload whose replica no peer can hold (the pool
 * is empty) to the pool's new Peer recording its machine request, which the Peer reconciler writes
 * right before it calls the provider. Real API server, the built operator, local peers (network
 * namespaces on a bridge of the benchmark's own). Each trial starts from an empty pool; the first,
 * against a cold operator, is reported apart.
 *
 * <p>Args: repo dir, JSON file to add {@code react_ms} to (made when missing), trials.
 */
public final class AutoscalerReact {
  private AutoscalerReact() {}

  public static void main(String[] args) throws Exception {
    Path repo = Path.of(args[0]).toAbsolutePath();
    Path out = Path.of(args[1]);
    int trials = Integer.parseInt(args[2]) + 1;
    Path work = Files.createTempDirectory("meshfed-bench");
    LocalBench.sweep();
    List<Double> reactMs = new ArrayList<>();
    try (ControlPlane plane = ControlPlane.start(work, repo.resolve("crds"))) {
      try (OperatorProcess operator = LocalBench.operator(repo, plane, work, Map.of())) {
        KubernetesClient client = plane.client();
        client.resource(cluster()).inNamespace("default").create();
        client.resource(pool()).inNamespace("default").create();
        for (int trial = 0; trial < trials; trial++) {
          CompletableFuture<Long> requested = new CompletableFuture<>();
          try (Watch watch =
              client
                  .resources(Peer.class)
                  .inNamespace("default")
                  .withLabel(MeshfedApi.POOL_LABEL, "burst")
                  .watch(
                      new Watcher<>() {
                        @Override
                        public void eventReceived(Action action, Peer peer) {
                          if (peer.getStatus() != null
                              && peer.getStatus().getMachineAttempt() != null) {
                            requested.complete(System.nanoTime());
                          }
                        }

                        @Override
                        public void onClose(WatcherException cause) {}
                      })) {
            long start = System.nanoTime();
            client.resource(workload("w" + trial)).inNamespace("default").create();
            long at = requested.get(60, TimeUnit.SECONDS);
            reactMs.add((at - start) / 1e6);
            System.out.printf(Locale.ROOT, "trial %d: %.0f ms%n", trial, (at - start) / 1e6);
          }
          // back to an empty pool before the next trial
          client.resources(Workload.class).inNamespace("default").withName("w" + trial).delete();
          long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
          while (!client
              .resources(Peer.class)
              .inNamespace("default")
              .withLabel(MeshfedApi.POOL_LABEL, "burst")
              .list()
              .getItems()
              .isEmpty()) {
            if (System.nanoTime() > deadline) {
              throw new IllegalStateException("the pool did not shrink back to empty in 120 s");
            }
            Thread.sleep(200);
          }
        }
        client.resources(MeshCluster.class).inNamespace("default").delete();
        Thread.sleep(3000);
      }
    } finally {
      LocalBench.sweep();
    }
    // the first trial meets a cold operator (class loading, JIT, first writes of each kind): apart
    double cold = reactMs.remove(0);
    List<Double> sorted = reactMs.stream().sorted().toList();
    ObjectMapper json = new ObjectMapper();
    ObjectNode result =
        Files.exists(out) ? (ObjectNode) json.readTree(out.toFile()) : json.createObjectNode();
    result.put("react_ms", Math.round(sorted.get(sorted.size() / 2)));
    result.put("react_worst_ms", Math.round(sorted.get(sorted.size() - 1)));
    result.put("react_trials", sorted.size());
    result.put("react_cold_ms", Math.round(cold));
    Files.writeString(out, json.writerWithDefaultPrettyPrinter().writeValueAsString(result) + "\n");
    System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(result));
  }

  static MeshCluster cluster() {
    MeshCluster cluster = new MeshCluster();
    cluster.getMetadata().setName("bench");
    MeshClusterSpec spec = new MeshClusterSpec();
    NetworkSpec network = new NetworkSpec();
    network.setCidr("100.76.0.0/16");
    spec.setNetwork(network);
    cluster.setSpec(spec);
    return cluster;
  }

  static PeerPool pool() {
    PeerPool pool = new PeerPool();
    pool.getMetadata().setName("burst");
    PeerPoolSpec spec = new PeerPoolSpec();
    spec.setClusterRef(new ClusterReference("bench"));
    spec.setProvider(ProviderType.LOCAL);
    spec.setCapacity(new ResourceAmounts(new Quantity("1"), new Quantity("1Gi")));
    AutoscalingSpec autoscaling = new AutoscalingSpec();
    autoscaling.setMinReplicas(0);
    autoscaling.setMaxReplicas(3);
    autoscaling.setScaleDownAfter("1s");
    autoscaling.setCooldownAfterScaleUp("0s");
    autoscaling.setMaxUnavailable(new IntOrString("100%"));
    spec.setAutoscaling(autoscaling);
    pool.setSpec(spec);
    return pool;
  }

  static Workload workload(String name) {
    Workload workload = new Workload();
    workload.getMetadata().setName(name);
    WorkloadSpec spec = new WorkloadSpec();
    spec.setClusterRef(new ClusterReference("bench"));
    spec.setReplicas(1);
    spec.setCommand(List.of("sleep", "3600"));
    WorkloadResources resources = new WorkloadResources();
    resources.setRequests(new ResourceAmounts(new Quantity("500m"), new Quantity("256Mi")));
    spec.setResources(resources);
    workload.setSpec(spec);
    return workload;
  }
}
