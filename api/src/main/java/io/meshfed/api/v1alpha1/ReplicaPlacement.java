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
