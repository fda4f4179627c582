package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Which replica's output, how much of it, and the ticket's hash. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self == oldSelf", message = "a LogRequest is not changed: make a new one")
public class LogRequestSpec {
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
  @JsonPropertyDescription("The Workload, in the request's namespace.")
  private String workload;

  @Min(0)
  @JsonPropertyDescription("The replica's index; default: the lowest index that is placed.")
  private Integer replica;

  @JsonPropertyDescription("Keep sending the output as the replica writes it.")
  private Boolean follow;

  @Min(0)
  @Max(100000)
  @JsonPropertyDescription("Only the last lines; default: all the agent keeps (up to 10 MiB).")
  private Integer tailLines;

  @JsonPropertyDescription("The output of the replica's previous run (before its last restart).")
  private Boolean previous;

  @Required
  @Pattern("^[0-9a-f]{64}$")
  @JsonPropertyDescription(
      "SHA-256 (hex) of the one-time ticket the requester presents to the operator.")
  private String ticketHash;

  /** The {@code ticketHash} of a ticket: SHA-256, in hex. */
  public static String hashOf(String ticket) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(ticket.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256 in this JVM", e);
    }
  }

  public String getWorkload() {
    return workload;
  }

  public void setWorkload(String workload) {
    this.workload = workload;
  }

  public Integer getReplica() {
    return replica;
  }

  public void setReplica(Integer replica) {
    this.replica = replica;
  }

  public Boolean getFollow() {
    return follow;
  }

  public void setFollow(Boolean follow) {
    this.follow = follow;
  }

  public Integer getTailLines() {
    return tailLines;
  }

  public void setTailLines(Integer tailLines) {
    this.tailLines = tailLines;
  }

  public Boolean getPrevious() {
    return previous;
  }

  public void setPrevious(Boolean previous) {
    this.previous = previous;
  }

  public String getTicketHash() {
    return ticketHash;
  }

  public void setTicketHash(String ticketHash) {
    this.ticketHash = ticketHash;
  }
}
