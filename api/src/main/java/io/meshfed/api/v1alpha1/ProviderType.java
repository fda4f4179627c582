package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/** Where a peer's machine comes from. */
public enum ProviderType {
  AWS("aws"),
  GCP("gcp"),
  AZURE("azure"),
  DIGITALOCEAN("digitalocean"),
  /** A host the user brings: nothing is provisioned, the operator waits for its agent. */
  STATIC("static"),
  /** A network namespace on the operator's own host, for development and tests. */
  LOCAL("local");

  private final String value;

  ProviderType(String value) {
    this.value = value;
  }

  @JsonValue
  public String value() {
    return value;
  }

  @JsonCreator
  public static ProviderType fromValue(String value) {
    return Arrays.stream(values())
        .filter(p -> p.value.equals(value))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown provider " + value));
  }

  /** True when machines of this provider are cloud VMs the operator provisions. */
  public boolean isCloud() {
    return this != STATIC && this != LOCAL;
  }

  @Override
  public String toString() {
    return value;
  }
}
