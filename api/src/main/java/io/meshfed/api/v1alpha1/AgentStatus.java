package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentStatus {
  @JsonPropertyDescription("Version of the agent.")
  private String version;

  @JsonPropertyDescription(
      "When the agent last reported, RFC 3339: refreshed while the peer is Ready only every"
          + " heartbeatStatusInterval (60 s at the defaults, longer in large fleets), exact for a"
          + " NotReady peer. The peer's Lease <peer>-meshfed-agent holds the latest (kubectl meshfed"
          + " describe reads it).")
  private String lastHeartbeatTime;

  @JsonPropertyDescription(
      "Which WireGuard moves the peer's packets: kernel, or wireguard-go and its version where the"
          + " kernel has no WireGuard module.")
  private String wireguard;

  public String getWireguard() {
    return wireguard;
  }

  public void setWireguard(String wireguard) {
    this.wireguard = wireguard;
  }

  public String getVersion() {
    return version;
  }

  public void setVersion(String version) {
    this.version = version;
  }

  public String getLastHeartbeatTime() {
    return lastHeartbeatTime;
  }

  public void setLastHeartbeatTime(String lastHeartbeatTime) {
    this.lastHeartbeatTime = lastHeartbeatTime;
  }
}
