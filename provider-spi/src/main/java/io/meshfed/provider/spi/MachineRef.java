package io.meshfed.provider.spi;

/**
 * Identifies one peer's machine. {@code providerID} is null when the machine was asked for but its
 * ID not yet recorded (a crash between the two); providers then find it by the peer's tag, or by
 * the name they derive from {@link #idempotencyKey()}.
 *
 * @param attempt which machine of the peer: 1 for the first, one more for each replacement of a
 *     machine that never started or never joined
 */
public record MachineRef(
    String clusterId,
    String peerId,
    String peerName,
    String providerID,
    String region,
    String zone,
    int attempt) {

  public MachineRef(
      String clusterId,
      String peerId,
      String peerName,
      String providerID,
      String region,
      String zone) {
    this(clusterId, peerId, peerName, providerID, region, zone, 1);
  }

  /**
   * Same for every call about this machine, different for its replacement: EC2 client token, GCE
   * request ID, …
   */
  public String idempotencyKey() {
    return attempt <= 1 ? peerId : peerId + "-" + attempt;
  }
}
