package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HandshakeSummary {
  @JsonPropertyDescription("Peers this peer should reach.")
  private Integer expected;

  @JsonPropertyDescription("Peers with a WireGuard handshake in the last few minutes.")
  private Integer recent;

  @JsonPropertyDescription("Age in seconds of the oldest handshake among the expected peers.")
  private Long oldestAgeSeconds;

  @JsonPropertyDescription("Expected peers past their settling time without a recent handshake.")
  private Integer missingCount;

  @JsonPropertyDescription(
      "The first five of those by name (all of them when missingCount is at most five).")
  private List<String> missing;

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

  public Integer getMissingCount() {
    return missingCount;
  }

  public void setMissingCount(Integer missingCount) {
    this.missingCount = missingCount;
  }

  public List<String> getMissing() {
    return missing;
  }

  public void setMissing(List<String> missing) {
    this.missing = missing;
  }
}
