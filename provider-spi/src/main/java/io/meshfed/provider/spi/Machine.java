package io.meshfed.provider.spi;

import java.time.Instant;
import java.util.Map;

/**
 * A machine as its provider sees it.
 *
 * @param providerID e.g. {@code aws:///eu-west-1a/i-0abc}, {@code gce://project/zone/name}
 * @param state where it is in its life
 * @param publicAddress address reachable from outside, or null
 * @param privateAddress address inside its network, or null
 * @param tags the tags/labels on it, under the SPI's keys ({@link Tags}) whatever the cloud's
 *     syntax
 * @param createdAt when the cloud made it, or null when the cloud does not say (orphan grace counts
 *     from here)
 */
public record Machine(
    String providerID,
    MachineState state,
    String publicAddress,
    String privateAddress,
    Map<String, String> tags,
    Instant createdAt) {

  public Machine {
    tags = tags == null ? Map.of() : Map.copyOf(tags);
  }

  public Machine(
      String providerID,
      MachineState state,
      String publicAddress,
      String privateAddress,
      Map<String, String> tags) {
    this(providerID, state, publicAddress, privateAddress, tags, null);
  }

  /** The UID of the Peer it was made for, or null. */
  public String peerId() {
    return tags.get(Tags.PEER);
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
