package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;

/** The most cpu and memory the cluster's peers may add up to, and the most peers. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ClusterLimits extends ResourceAmounts {
  @Min(0)
  @JsonPropertyDescription("Most peers the cluster may have.")
  private Integer peers;

  public Integer getPeers() {
    return peers;
  }

  public void setPeers(Integer peers) {
    this.peers = peers;
  }
}
