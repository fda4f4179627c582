package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** A Workload's spec: its template (what each replica runs) and how many, where, how updated. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.image) || (has(self.command) && size(self.command) > 0)",
    message = "set image (a container) or command (a process)")
@ValidationRule(
    value = "!has(self.livenessProbe) || self.livenessProbe.successThreshold == 1",
    message = "livenessProbe.successThreshold must be 1")
public class WorkloadSpec extends WorkloadTemplate {
  @Required
  @ValidationRule(value = "self == oldSelf", message = "clusterRef is immutable")
  @JsonPropertyDescription("The MeshCluster whose peers run this workload. Immutable.")
  private ClusterReference clusterRef;

  @Default("1")
  @Min(0)
  @JsonPropertyDescription("Number of replicas.")
  private Integer replicas;

  @JsonPropertyDescription("Resources each replica needs.")
  private WorkloadResources resources;

  @JsonPropertyDescription("Constraints on which peers run the replicas.")
  private Placement placement;

  @JsonPropertyDescription(
      "How a change of the template (image, command, args, env, ports, probes, pull secrets)"
          + " replaces the replicas: a rolling update within maxSurge and maxUnavailable.")
  private WorkloadStrategy strategy;

  @Default("600")
  @Min(1)
  @JsonPropertyDescription(
      "Seconds a rollout may go without progress (a new replica ready, an old one gone) before"
          + " Progressing turns False with ProgressDeadlineExceeded; the old replicas keep"
          + " serving.")
  private Integer progressDeadlineSeconds;

  public WorkloadStrategy getStrategy() {
    return strategy;
  }

  public void setStrategy(WorkloadStrategy strategy) {
    this.strategy = strategy;
  }

  public Integer getProgressDeadlineSeconds() {
    return progressDeadlineSeconds;
  }

  public void setProgressDeadlineSeconds(Integer progressDeadlineSeconds) {
    this.progressDeadlineSeconds = progressDeadlineSeconds;
  }

  public ClusterReference getClusterRef() {
    return clusterRef;
  }

  public void setClusterRef(ClusterReference clusterRef) {
    this.clusterRef = clusterRef;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public WorkloadResources getResources() {
    return resources;
  }

  public void setResources(WorkloadResources resources) {
    this.resources = resources;
  }

  public Placement getPlacement() {
    return placement;
  }

  public void setPlacement(Placement placement) {
    this.placement = placement;
  }
}
