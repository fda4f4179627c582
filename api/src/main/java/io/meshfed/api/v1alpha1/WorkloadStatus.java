package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class WorkloadStatus {
  private Long observedGeneration;

  @JsonPropertyDescription("Replicas placed on peers.")
  private Integer replicas;

  @JsonPropertyDescription("Replicas running.")
  private Integer readyReplicas;

  @JsonPropertyDescription("Where each replica runs.")
  private List<ReplicaPlacement> placements = new ArrayList<>();

  @JsonPropertyDescription("Scheduled (reasons NoResourcesAvailable, NoMatchingPeer), Available.")
  private List<Condition> conditions = new ArrayList<>();

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
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

  public List<ReplicaPlacement> getPlacements() {
    return placements;
  }

  public void setPlacements(List<ReplicaPlacement> placements) {
    this.placements = placements;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }
}
