package io.meshfed.operator.scheduler;

import io.meshfed.api.v1alpha1.ProviderType;
import java.util.Map;

/**
 * A peer as the scheduler sees it.
 *
 * @param acceptsNew Ready, schedulable, a worker: new replicas may go here
 * @param keepsReplicas replicas already here stay (it exists, and is Ready or not NotReady for
 *     long)
 * @param cpuMillis allocatable cpu
 * @param memoryBytes allocatable memory
 */
public record Node(
    String name,
    ProviderType provider,
    String region,
    Map<String, String> labels,
    boolean acceptsNew,
    boolean keepsReplicas,
    long cpuMillis,
    long memoryBytes) {

  public Node {
    labels = labels == null ? Map.of() : labels;
  }
}
