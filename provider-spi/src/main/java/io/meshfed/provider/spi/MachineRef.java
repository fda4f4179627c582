package io.meshfed.provider.spi;

/**
 * Identifies one peer's machine. {@code providerID} is null when the machine was asked for but its
 * ID not yet recorded (a crash between the two); providers then find it by the peer's tag.
 */
public record MachineRef(
    String clusterId, String peerId, String peerName, String providerID, String region, String zone) {}
