package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class PeerPoolStatus extends ObservedStatus {
  @JsonPropertyDescription("Peers the pool wants: spec.replicas, or the autoscaler's decision.")
  private Integer desiredReplicas;

  @JsonPropertyDescription("Peers the pool has.")
  private Integer replicas;

  @JsonPropertyDescription("Peers of the pool that are Ready.")
  private Integer readyReplicas;

  public Integer getDesiredReplicas() {
    return desiredReplicas;
  }

  public void setDesiredReplicas(Integer desiredReplicas) {
    this.desiredReplicas = desiredReplicas;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public Integer getReadyReplicas() {
    return readyReplicas;
  }

  public void setReadyReplicas(Integer readyReplicas) {
    this.readyReplicas = readyReplicas;
  }

}
