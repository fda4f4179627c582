package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/**
 * Lifecycle of a peer: Pending → Provisioning → Joining → Ready ⇄ NotReady → Terminating; Failed.
 */
public enum PeerPhase {
  PENDING("Pending"),
  PROVISIONING("Provisioning"),
  JOINING("Joining"),
  READY("Ready"),
  NOT_READY("NotReady"),
  TERMINATING("Terminating"),
  FAILED("Failed");

  private final String value;

  PeerPhase(String value) {
    this.value = value;
  }

  @JsonValue
  public String value() {
    return value;
  }

  @JsonCreator
  public static PeerPhase fromValue(String value) {
    return Arrays.stream(values())
        .filter(p -> p.value.equals(value))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown peer phase " + value));
  }

  @Override
  public String toString() {
    return value;
  }
}
