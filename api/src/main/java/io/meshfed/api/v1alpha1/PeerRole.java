package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/** What a peer is for. */
public enum PeerRole {
  /** Runs workload replicas. */
  WORKER("worker"),
  /** Routes between the mesh and networks outside it. */
  GATEWAY("gateway"),
  /** A user's own machine that only reaches the mesh; nothing is scheduled on it. */
  CLIENT("client");

  private final String value;

  PeerRole(String value) {
    this.value = value;
  }

  @JsonValue
  public String value() {
    return value;
  }

  @JsonCreator
  public static PeerRole fromValue(String value) {
    return Arrays.stream(values())
        .filter(r -> r.value.equals(value))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown role " + value));
  }

  @Override
  public String toString() {
    return value;
  }
}
