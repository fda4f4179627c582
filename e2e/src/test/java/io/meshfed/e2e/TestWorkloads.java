package io.meshfed.e2e;

import io.fabric8.kubernetes.api.model.Quantity;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.ResourceAmounts;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.api.v1alpha1.WorkloadPort;
import io.meshfed.api.v1alpha1.WorkloadResources;
import io.meshfed.api.v1alpha1.WorkloadSpec;
import java.util.List;

/** Workloads the end-to-end tests run: python's http.server on port 8080, with small requests. */
final class TestWorkloads {
  private TestWorkloads() {}

  static Workload httpServer(String name, String cluster, int replicas) {
    Workload workload = new Workload();
    workload.getMetadata().setName(name);
    WorkloadSpec spec = new WorkloadSpec();
    spec.setClusterRef(new ClusterReference(cluster));
    spec.setReplicas(replicas);
    spec.setCommand(List.of("python3", "-m", "http.server", "8080"));
    WorkloadPort port = new WorkloadPort();
    port.setPort(8080);
    spec.setPorts(List.of(port));
    WorkloadResources resources = new WorkloadResources();
    resources.setRequests(new ResourceAmounts(new Quantity("100m"), new Quantity("64Mi")));
    spec.setResources(resources);
    workload.setSpec(spec);
    return workload;
  }
}
