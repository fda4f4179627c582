package io.meshfed.provider.spi;

import java.util.Map;

/**
 * A machine for one peer.
 *
 * @param clusterId the MeshCluster's UID
 * @param peerId the Peer's UID: the idempotency key of the create call
 * @param peerName namespace-unique name of the Peer, used in machine names
 * @param region region, or null for the cluster's default
 * @param zone zone, or null for the provider's choice
 * @param instanceType instance type / machine type / VM size / droplet size
 * @param image image of the machine, or null for the provider's default
 * @param listenPort the WireGuard UDP port to open
 * @param userData cloud-init user data that boots the agent
 * @param bootstrap how the machine's agent joins, or null when nothing is to be started
 * @param tags tags or labels to put on every resource made for it
 * @param attempt 1 for the peer's first machine, one more for each replacement
 */
public record MachineRequest(
    String clusterId,
    String peerId,
    String peerName,
    String region,
    String zone,
    String instanceType,
    String image,
    int listenPort,
    String userData,
    AgentBootstrap bootstrap,
    Map<String, String> tags,
    int attempt) {

  public MachineRequest {
    tags = Map.copyOf(tags);
  }

  public MachineRef ref(String providerID) {
    return new MachineRef(clusterId, peerId, peerName, providerID, region, zone, attempt);
  }

  /** See {@link MachineRef#idempotencyKey()}. */
  public String idempotencyKey() {
    return ref(null).idempotencyKey();
  }
}
