package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.image) || (has(self.command) && size(self.command) > 0)",
    message = "set image (a container) or command (a process)")
@ValidationRule(
    value = "!has(self.livenessProbe) || self.livenessProbe.successThreshold == 1",
    message = "livenessProbe.successThreshold must be 1")
public class WorkloadSpec {
  @Required
  @ValidationRule(value = "self == oldSelf", message = "clusterRef is immutable")
  @JsonPropertyDescription("The MeshCluster whose peers run this workload. Immutable.")
  private ClusterReference clusterRef;

  @Default("1")
  @Min(0)
  @JsonPropertyDescription("Number of replicas.")
  private Integer replicas;

  @JsonPropertyDescription(
      "Container image, [registry[:port]/]path[:tag][@sha256:digest]; when absent, command runs as"
          + " a process.")
  @Pattern(ImageReferences.PATTERN)
  @Size(max = ImageReferences.MAX_LENGTH)
  private String image;

  @JsonPropertyDescription("Entrypoint: the container's command, or the process to run.")
  private List<String> command;

  @JsonPropertyDescription("Arguments to the command.")
  private List<String> args;

  @JsonPropertyDescription("Environment variables.")
  private List<WorkloadEnvVar> env;

  @JsonPropertyDescription("Ports the workload listens on, reachable over the mesh.")
  private List<WorkloadPort> ports;

  @JsonPropertyDescription("Resources each replica needs.")
  private WorkloadResources resources;

  @JsonPropertyDescription("Constraints on which peers run the replicas.")
  private Placement placement;

  @JsonPropertyDescription(
      "Secrets of type kubernetes.io/dockerconfigjson in the Workload's namespace with credentials"
          + " for pulling the image from private registries. They travel only to the peers that"
          + " run a replica, never in a command line, never in status.")
  private List<LocalObjectReference> imagePullSecrets;

  @JsonPropertyDescription(
      "When a replica is ready: until its probe passes it gets no traffic by name and counts as"
          + " unavailable. Without one, a running replica is ready.")
  private Probe readinessProbe;

  @JsonPropertyDescription(
      "When a replica is alive: after failureThreshold failures in a row the agent starts it"
          + " again.")
  private Probe livenessProbe;

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

  public Probe getReadinessProbe() {
    return readinessProbe;
  }

  public void setReadinessProbe(Probe readinessProbe) {
    this.readinessProbe = readinessProbe;
  }

  public Probe getLivenessProbe() {
    return livenessProbe;
  }

  public void setLivenessProbe(Probe livenessProbe) {
    this.livenessProbe = livenessProbe;
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

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public List<String> getCommand() {
    return command;
  }

  public void setCommand(List<String> command) {
    this.command = command;
  }

  public List<String> getArgs() {
    return args;
  }

  public void setArgs(List<String> args) {
    this.args = args;
  }

  public List<WorkloadEnvVar> getEnv() {
    return env;
  }

  public void setEnv(List<WorkloadEnvVar> env) {
    this.env = env;
  }

  public List<WorkloadPort> getPorts() {
    return ports;
  }

  public void setPorts(List<WorkloadPort> ports) {
    this.ports = ports;
  }

  public WorkloadResources getResources() {
    return resources;
  }

  public void setResources(WorkloadResources resources) {
    this.resources = resources;
  }

  public List<LocalObjectReference> getImagePullSecrets() {
    return imagePullSecrets;
  }

  public void setImagePullSecrets(List<LocalObjectReference> imagePullSecrets) {
    this.imagePullSecrets = imagePullSecrets;
  }

  public Placement getPlacement() {
    return placement;
  }

  public void setPlacement(Placement placement) {
    this.placement = placement;
  }
}
