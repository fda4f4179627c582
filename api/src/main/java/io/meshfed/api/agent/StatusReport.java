package io.meshfed.api.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * {@code POST /api/v1/status}: the agent's heartbeat.
 *
 * @param peer the reporting peer's name; a credential acts only for its own peer
 * @param mapVersion the netmap version the agent has applied
 * @param endpoints its candidate endpoints now
 * @param facts its machine facts now
 * @param handshakes per WireGuard peer: handshake age and bytes
 * @param replicas the replicas it runs, one entry per assigned replica
 * @param caHashes the agent API CAs the agent trusts now ({@code sha256:…} pins): the operator
 *     switches to a new CA only once the peers that report trust it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StatusReport(
    String peer,
    String mapVersion,
    List<String> endpoints,
    AgentFacts facts,
    List<PeerHandshake> handshakes,
    List<ReplicaStatus> replicas,
    List<String> caHashes) {

  /** A report that does not say which CAs the agent trusts (agents before CA rotation). */
  public StatusReport(
      String peer,
      String mapVersion,
      List<String> endpoints,
      AgentFacts facts,
      List<PeerHandshake> handshakes,
      List<ReplicaStatus> replicas) {
    this(peer, mapVersion, endpoints, facts, handshakes, replicas, null);
  }

  /** A report without replicas. */
  public StatusReport(
      String peer,
      String mapVersion,
      List<String> endpoints,
      AgentFacts facts,
      List<PeerHandshake> handshakes) {
    this(peer, mapVersion, endpoints, facts, handshakes, null, null);
  }

  /**
   * @param publicKey the WireGuard peer
   * @param lastHandshakeEpochSeconds time of the latest handshake, 0 for never
   * @param rxBytes bytes received from it
   * @param txBytes bytes sent to it
   * @param endpoint where WireGuard sees it now ({@code ip:port}), null when unknown: after a
   *     handshake, the address its packets come from — behind NAT, its NAT's public side
   */
  public record PeerHandshake(
      String publicKey,
      long lastHandshakeEpochSeconds,
      long rxBytes,
      long txBytes,
      String endpoint) {

    public PeerHandshake(
        String publicKey, long lastHandshakeEpochSeconds, long rxBytes, long txBytes) {
      this(publicKey, lastHandshakeEpochSeconds, rxBytes, txBytes, null);
    }
  }
}
