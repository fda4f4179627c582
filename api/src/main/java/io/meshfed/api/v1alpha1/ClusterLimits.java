package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.kubernetes.api.model.Quantity;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ClusterLimits {
  @JsonPropertyDescription("Most CPU the cluster's peers may add up to.")
  private Quantity cpu;

  @JsonPropertyDescription("Most memory the cluster's peers may add up to.")
  private Quantity memory;

  @Min(0)
  @JsonPropertyDescription("Most peers the cluster may have.")
  private Integer peers;

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

  public Integer getPeers() {
    return peers;
  }

  public void setPeers(Integer peers) {
    this.peers = peers;
  }
}
