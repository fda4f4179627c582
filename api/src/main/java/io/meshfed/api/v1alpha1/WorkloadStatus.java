package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class WorkloadStatus extends ObservedStatus {
  @JsonPropertyDescription("Replicas placed on peers.")
  private Integer replicas;

  @JsonPropertyDescription("Replicas running and ready (their readiness probe passes).")
  private Integer readyReplicas;

  @JsonPropertyDescription("Replicas of the template's current revision.")
  private Integer updatedReplicas;

  @JsonPropertyDescription("Ready replicas: they get traffic by name.")
  private Integer availableReplicas;

  @JsonPropertyDescription("The template's current revision, the one a rollout installs.")
  private String updateRevision;

  @JsonPropertyDescription(
      "Earlier revisions of the template that replicas still run (a rollout in progress).")
  private List<WorkloadTemplate.Revision> revisions;

  @JsonPropertyDescription(
      "When the rollout last made progress (a new replica ready, an old one gone).")
  private String progressedAt;

  public Integer getUpdatedReplicas() {
    return updatedReplicas;
  }

  public void setUpdatedReplicas(Integer updatedReplicas) {
    this.updatedReplicas = updatedReplicas;
  }

  public Integer getAvailableReplicas() {
    return availableReplicas;
  }

  public void setAvailableReplicas(Integer availableReplicas) {
    this.availableReplicas = availableReplicas;
  }

  public String getUpdateRevision() {
    return updateRevision;
  }

  public void setUpdateRevision(String updateRevision) {
    this.updateRevision = updateRevision;
  }

  public List<WorkloadTemplate.Revision> getRevisions() {
    return revisions;
  }

  public void setRevisions(List<WorkloadTemplate.Revision> revisions) {
    this.revisions = revisions;
  }

  public String getProgressedAt() {
    return progressedAt;
  }

  public void setProgressedAt(String progressedAt) {
    this.progressedAt = progressedAt;
  }

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
