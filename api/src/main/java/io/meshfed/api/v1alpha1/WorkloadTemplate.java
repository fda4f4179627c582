package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import java.util.List;

/**
 * What a replica runs, as a revision of a Workload keeps it: the spec's image, command, args, env,
 * ports, probes and pull secrets. A change of any of them is a new revision, rolled out.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class WorkloadTemplate {
  private String image;
  private List<String> command;
  private List<String> args;
  private List<WorkloadEnvVar> env;
  private List<WorkloadPort> ports;
  private List<LocalObjectReference> imagePullSecrets;
  private Probe readinessProbe;
  private Probe livenessProbe;

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
