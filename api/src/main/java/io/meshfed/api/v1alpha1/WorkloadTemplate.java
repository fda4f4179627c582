package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import java.util.List;

/**
 * What a replica runs, as a revision of a Workload keeps it: the spec's image, command, args, env,
 * ports, probes and pull secrets. A change of any of them is a new revision, rolled out.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class WorkloadTemplate {
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

  /** Only the template's fields of a template or of a whole spec. */
  public static WorkloadTemplate copyOf(WorkloadTemplate from) {
    WorkloadTemplate copy = new WorkloadTemplate();
    copy.image = from.image;
    copy.command = from.command;
    copy.args = from.args;
    copy.env = from.env;
    copy.ports = from.ports;
    copy.imagePullSecrets = from.imagePullSecrets;
    copy.readinessProbe = from.readinessProbe;
    copy.livenessProbe = from.livenessProbe;
    return copy;
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

  public List<LocalObjectReference> getImagePullSecrets() {
    return imagePullSecrets;
  }

  public void setImagePullSecrets(List<LocalObjectReference> imagePullSecrets) {
    this.imagePullSecrets = imagePullSecrets;
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

  /** A revision of the template that replicas still run, kept in status while they do. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Revision {
    @JsonPropertyDescription("The revision: a hash of the template.")
    private String name;

    @JsonPropertyDescription("The template as it was.")
    private WorkloadTemplate template;

    public Revision() {}

    public Revision(String name, WorkloadTemplate template) {
      this.name = name;
      this.template = template;
    }

    public String getName() {
      return name;
    }

    public void setName(String name) {
      this.name = name;
    }

    public WorkloadTemplate getTemplate() {
      return template;
    }

    public void setTemplate(WorkloadTemplate template) {
      this.template = template;
    }
  }
}
