package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** One autoscaling decision as the pool's status keeps it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ScaleRecord {
  @JsonPropertyDescription("When it was decided (RFC 3339).")
  private String time;

  @JsonPropertyDescription("The peers added or removed.")
  private List<String> peers = new ArrayList<>();

  @JsonPropertyDescription(
      "Why, in a sentence (\"+2 peers (t3.large) for 5 pending replicas of web\").")
  private String reason;

  public ScaleRecord() {}

  public ScaleRecord(String time, List<String> peers, String reason) {
    this.time = time;
    this.peers = new ArrayList<>(peers);
    this.reason = reason;
  }

  public String getTime() {
    return time;
  }

  public void setTime(String time) {
    this.time = time;
  }

  public List<String> getPeers() {
    return peers;
  }

  public void setPeers(List<String> peers) {
    this.peers = peers;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ScaleRecord r
        && Objects.equals(time, r.time)
        && Objects.equals(peers, r.peers)
        && Objects.equals(reason, r.reason);
  }

  @Override
  public int hashCode() {
    return Objects.hash(time, peers, reason);
  }
}
