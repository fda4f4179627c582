package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** When the ticket was used, and from which peer the output came. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LogRequestStatus {
  @JsonPropertyDescription("When the operator accepted the ticket; a ticket is used once.")
  private String servedAt;

  @JsonPropertyDescription("The replica whose output was sent.")
  private String replica;

  @JsonPropertyDescription("The peer it runs on, whose agent sent it.")
  private String peer;

  @JsonPropertyDescription(
      "The stream the agent sends the output on: the operator replica that holds the agent's long"
          + " poll hands it to the agent.")
  private String stream;

  public String getStream() {
    return stream;
  }

  public void setStream(String stream) {
    this.stream = stream;
  }

  public String getServedAt() {
    return servedAt;
  }

  public void setServedAt(String servedAt) {
    this.servedAt = servedAt;
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
}
