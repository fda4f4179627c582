package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class PeerPoolStatus extends ObservedStatus {
  @JsonPropertyDescription("Peers the pool wants: spec.replicas, or the autoscaler's decision.")
  private Integer desiredReplicas;

  @JsonPropertyDescription("Peers the pool has.")
  private Integer replicas;

  @JsonPropertyDescription("Peers of the pool that are Ready.")
  private Integer readyReplicas;

  @JsonPropertyDescription("The autoscaler's last growth: when, which peers, and why.")
  private ScaleRecord lastScaleUp;

  @JsonPropertyDescription("The autoscaler's last shrink: when, which peers, and why.")
  private ScaleRecord lastScaleDown;

  @JsonPropertyDescription("Peers the autoscaler counts as idle, and since when (RFC 3339).")
  private Map<String, String> idleSince;

  public ScaleRecord getLastScaleUp() {
    return lastScaleUp;
  }

  public void setLastScaleUp(ScaleRecord lastScaleUp) {
    this.lastScaleUp = lastScaleUp;
  }

  public ScaleRecord getLastScaleDown() {
    return lastScaleDown;
  }

  public void setLastScaleDown(ScaleRecord lastScaleDown) {
    this.lastScaleDown = lastScaleDown;
  }

  public Map<String, String> getIdleSince() {
    return idleSince;
  }

  public void setIdleSince(Map<String, String> idleSince) {
    this.idleSince = idleSince;
  }

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
