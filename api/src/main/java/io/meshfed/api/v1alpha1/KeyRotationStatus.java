package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The last WireGuard key rotation a peer's agent made. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class KeyRotationStatus {
  @JsonPropertyDescription("The rotation request the agent answered.")
  private String request;

  @JsonPropertyDescription("When the operator took the new key (RFC 3339).")
  private String rotatedAt;

  @JsonPropertyDescription(
      "A rotation the cluster's spec.keyRotation.interval asks for and the agent has yet to make.")
  private String scheduled;

  public String getScheduled() {
    return scheduled;
  }

  public void setScheduled(String scheduled) {
    this.scheduled = scheduled;
  }

  public KeyRotationStatus() {}

  public KeyRotationStatus(String request, String rotatedAt) {
    this.request = request;
    this.rotatedAt = rotatedAt;
  }

  public String getRequest() {
    return request;
  }

  public void setRequest(String request) {
    this.request = request;
  }

  public String getRotatedAt() {
    return rotatedAt;
  }

  public void setRotatedAt(String rotatedAt) {
    this.rotatedAt = rotatedAt;
  }
}
