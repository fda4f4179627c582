package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Number of peers in each phase. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PeerCounts {
  @JsonPropertyDescription("All peers of the cluster.")
  private int total;

  private int pending;
  private int provisioning;
  private int joining;
  private int ready;
  private int notReady;
  private int terminating;
  private int failed;

  public int getTotal() {
    return total;
  }

  public void setTotal(int total) {
    this.total = total;
  }

  public int getPending() {
    return pending;
  }

  public void setPending(int pending) {
    this.pending = pending;
  }

  public int getProvisioning() {
    return provisioning;
  }

  public void setProvisioning(int provisioning) {
    this.provisioning = provisioning;
  }

  public int getJoining() {
    return joining;
  }

  public void setJoining(int joining) {
    this.joining = joining;
  }

  public int getReady() {
    return ready;
  }

  public void setReady(int ready) {
    this.ready = ready;
  }

  public int getNotReady() {
    return notReady;
  }

  public void setNotReady(int notReady) {
    this.notReady = notReady;
  }

  public int getTerminating() {
    return terminating;
  }

  public void setTerminating(int terminating) {
    this.terminating = terminating;
  }

  public int getFailed() {
    return failed;
  }

  public void setFailed(int failed) {
    this.failed = failed;
  }

  /** Counts one more peer in the given phase. */
  public void add(PeerPhase phase) {
    total++;
    switch (phase) {
      case PENDING -> pending++;
      case PROVISIONING -> provisioning++;
      case JOINING -> joining++;
      case READY -> ready++;
      case NOT_READY -> notReady++;
      case TERMINATING -> terminating++;
      case FAILED -> failed++;
    }
  }
}
