package io.meshfed.provider.spi;

import java.util.Map;

/**
 * A machine as its provider sees it.
 *
 * @param providerID e.g. {@code aws:///eu-west-1a/i-0abc}, {@code gce://project/zone/name}
 * @param state where it is in its life
 * @param publicAddress address reachable from outside, or null
 * @param privateAddress address inside its network, or null
 * @param tags the tags/labels on it (carry the cluster and peer IDs)
 */
public record Machine(
    String providerID,
    MachineState state,
    String publicAddress,
    String privateAddress,
    Map<String, String> tags) {

  public Machine {
    tags = tags == null ? Map.of() : Map.copyOf(tags);
  }

  public enum MachineState {
    /** Asked for, not yet running. */
    PENDING,
    RUNNING,
    /** Being stopped or deleted. */
    STOPPING,
    /** Deleted; some clouds show deleted machines for a while. */
    TERMINATED;

    public boolean isGone() {
      return this == TERMINATED;
    }
  }
}
