package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ReplicaPlacement {
  @JsonPropertyDescription("Replica name, <workload>-<index>.")
  private String replica;

  @JsonPropertyDescription("Peer the replica runs on.")
  private String peer;

  @JsonPropertyDescription("The replica's mesh address.")
  private String address;

  @JsonPropertyDescription("Pending, Starting, Running or Failed.")
  private String state;

  @JsonPropertyDescription("How often the agent has started it again after it exited.")
  private Integer restarts;

  @JsonPropertyDescription("Why it is not running: exit code and the last lines of its output.")
  private String message;

  @JsonPropertyDescription(
      "For a Failed replica, in CamelCase: Exited (see exitCode and message), ImagePullFailed,"
          + " StartFailed or Unhealthy (its liveness probe failed); for a Running one that is not"
          + " ready: NotReady.")
  private String reason;

  @JsonPropertyDescription(
      "Running and its readiness probe passes (or it has none): it gets traffic by name.")
  private Boolean ready;

  @JsonPropertyDescription("The revision of the template it runs.")
  private String revision;

  public String getRevision() {
    return revision;
  }

  public void setRevision(String revision) {
    this.revision = revision;
  }

  @JsonPropertyDescription("The exit code of its last run, when it exited.")
  private Integer exitCode;

  public ReplicaPlacement() {}

  public ReplicaPlacement(String replica, String peer, String address, String state) {
    this.replica = replica;
    this.peer = peer;
    this.address = address;
    this.state = state;
  }

  public Boolean getReady() {
    return ready;
  }

  public void setReady(Boolean ready) {
    this.ready = ready;
  }

  public Integer getRestarts() {
    return restarts;
  }

  public void setRestarts(Integer restarts) {
    this.restarts = restarts;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public Integer getExitCode() {
    return exitCode;
  }

  public void setExitCode(Integer exitCode) {
    this.exitCode = exitCode;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public String getReplica() {
    return replica;
  }

  public void setReplica(String replica) {
    this.replica = replica;
  }

  public String getPeer() {
    return peer;
  }

  public void setPeer(String peer) {
    this.peer = peer;
  }

  public String getAddress() {
    return address;
  }

  public void setAddress(String address) {
    this.address = address;
  }

  public String getState() {
    return state;
  }

  public void setState(String state) {
    this.state = state;
  }
}
