package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/** When the cluster's peers replace their WireGuard keys on their own. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class KeyRotationSpec {
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription(
      "How old a peer's WireGuard key may get (\"720h\"): older, the peer is asked to rotate it."
          + " Unset or \"0s\": only on demand (the meshfed.io/rotate-key annotation,"
          + " kubectl meshfed rotate-keys).")
  private String interval;

  public String getInterval() {
    return interval;
  }

  public void setInterval(String interval) {
    this.interval = interval;
  }
}
