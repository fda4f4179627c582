package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Quantity;

/** An amount of cpu and memory, in Kubernetes quantities ("500m", "2Gi"). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ResourceAmounts {
  @JsonPropertyDescription("CPU, in cores (\"2\", \"500m\").")
  private Quantity cpu;

  @JsonPropertyDescription("Memory, in bytes (\"512Mi\", \"4Gi\").")
  private Quantity memory;

  public ResourceAmounts() {}

  public ResourceAmounts(Quantity cpu, Quantity memory) {
    this.cpu = cpu;
    this.memory = memory;
  }

  public Quantity getCpu() {
    return cpu;
  }

  public void setCpu(Quantity cpu) {
    this.cpu = cpu;
  }

  public Quantity getMemory() {
    return memory;
  }

  public void setMemory(Quantity memory) {
    this.memory = memory;
  }
}
