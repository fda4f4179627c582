package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class MeshClusterStatus extends ObservedStatus {
  @JsonPropertyDescription("Pending, Ready, Degraded or Terminating.")
  private String phase;

  @JsonPropertyDescription("Peers of the cluster, counted by phase.")
  private PeerCounts peers;

  @JsonPropertyDescription("Total resources of the cluster's peers.")
  private ResourceAmounts capacity;

  @JsonPropertyDescription("Resources of Ready peers that workloads may use.")
  private ResourceAmounts allocatable;

  @JsonPropertyDescription("Resources requested by placed workload replicas.")
  private ResourceAmounts allocated;

  @JsonPropertyDescription("URL of the agent API peers join through.")
  private String endpoint;

  @JsonPropertyDescription("Secret holding the cluster join token.")
  private String joinTokenSecret;

  @JsonPropertyDescription("When the current cluster join token expires (absent: never).")
  private String joinTokenExpiresAt;

  @JsonPropertyDescription(
      "sha256 of the agent API's CA public key: what a joining host pins (install.sh --ca-hash).")
  private String caHash;

  public String getCaHash() {
    return caHash;
  }

  public void setCaHash(String caHash) {
    this.caHash = caHash;
  }

  public String getPhase() {
    return phase;
  }

  public void setPhase(String phase) {
    this.phase = phase;
  }

  public PeerCounts getPeers() {
    return peers;
  }

  public void setPeers(PeerCounts peers) {
    this.peers = peers;
  }

  public ResourceAmounts getCapacity() {
    return capacity;
  }

  public void setCapacity(ResourceAmounts capacity) {
    this.capacity = capacity;
  }

  public ResourceAmounts getAllocatable() {
    return allocatable;
  }

  public void setAllocatable(ResourceAmounts allocatable) {
    this.allocatable = allocatable;
  }

  public ResourceAmounts getAllocated() {
    return allocated;
  }

  public void setAllocated(ResourceAmounts allocated) {
    this.allocated = allocated;
  }

  public String getEndpoint() {
    return endpoint;
  }

  public void setEndpoint(String endpoint) {
    this.endpoint = endpoint;
  }

  public String getJoinTokenSecret() {
    return joinTokenSecret;
  }

  public void setJoinTokenSecret(String joinTokenSecret) {
    this.joinTokenSecret = joinTokenSecret;
  }

  public String getJoinTokenExpiresAt() {
    return joinTokenExpiresAt;
  }

  public void setJoinTokenExpiresAt(String joinTokenExpiresAt) {
    this.joinTokenExpiresAt = joinTokenExpiresAt;
  }
}
