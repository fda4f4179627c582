package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class WorkloadStatus extends ObservedStatus {
  @JsonPropertyDescription("Replicas placed on peers.")
  private Integer replicas;

  @JsonPropertyDescription("Replicas running.")
  private Integer readyReplicas;

  @JsonPropertyDescription("Where each replica runs.")
  private List<ReplicaPlacement> placements = new ArrayList<>();

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

  public List<ReplicaPlacement> getPlacements() {
    return placements;
  }

  public void setPlacements(List<ReplicaPlacement> placements) {
    this.placements = placements;
  }
}
