package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HandshakeSummary {
  @JsonPropertyDescription("Peers this peer should reach.")
  private Integer expected;

  @JsonPropertyDescription("Peers with a WireGuard handshake in the last few minutes.")
  private Integer recent;

  @JsonPropertyDescription("Age in seconds of the oldest handshake among the expected peers.")
  private Long oldestAgeSeconds;

  public Integer getExpected() {
    return expected;
  }

  public void setExpected(Integer expected) {
    this.expected = expected;
  }

  public Integer getRecent() {
    return recent;
  }

  public void setRecent(Integer recent) {
    this.recent = recent;
  }

  public Long getOldestAgeSeconds() {
    return oldestAgeSeconds;
  }

  public void setOldestAgeSeconds(Long oldestAgeSeconds) {
    this.oldestAgeSeconds = oldestAgeSeconds;
  }
}
