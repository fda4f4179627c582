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
 * @param handshakes per WireGuard peer: handshake age and bytes; with {@code tunnels}, only the
 *     peers that need attention (no recent handshake) and a few whose endpoint is news
 * @param replicas the replicas it runs, one entry per assigned replica
 * @param caHashes the agent API CAs the agent trusts now ({@code sha256:…} pins): the operator
 *     switches to a new CA only once the peers that report trust it
 * @param tunnels what {@code handshakes} leaves out; null when it lists every WireGuard peer (as
 *     agents before compact reports do, and gateways, whose byte counts are metered)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StatusReport(
    String peer,
    String mapVersion,
    List<String> endpoints,
    AgentFacts facts,
    List<PeerHandshake> handshakes,
    List<ReplicaStatus> replicas,
    List<String> caHashes,
    Tunnels tunnels) {

  /**
   * A status answer's header: the shortest interval, in whole seconds, at which the operator asks
   * this agent to report (its fleet's reports kept within what the operator takes). An agent whose
   * own interval is longer keeps it; absent, any interval will do.
   */
  public static final String INTERVAL_HEADER = "Meshfed-Report-Interval";

  /** A report that lists every WireGuard peer's handshake. */
  public StatusReport(
      String peer,
      String mapVersion,
      List<String> endpoints,
      AgentFacts facts,
      List<PeerHandshake> handshakes,
      List<ReplicaStatus> replicas,
      List<String> caHashes) {
    this(peer, mapVersion, endpoints, facts, handshakes, replicas, caHashes, null);
  }

  /** A report that does not say which CAs the agent trusts (agents before CA rotation). */
  public StatusReport(
      String peer,
      String mapVersion,
      List<String> endpoints,
      AgentFacts facts,
      List<PeerHandshake> handshakes,
      List<ReplicaStatus> replicas) {
    this(peer, mapVersion, endpoints, facts, handshakes, replicas, null, null);
  }

  /** A report without replicas. */
  public StatusReport(
      String peer,
      String mapVersion,
      List<String> endpoints,
      AgentFacts facts,
      List<PeerHandshake> handshakes) {
    this(peer, mapVersion, endpoints, facts, handshakes, null, null, null);
  }

  /**
   * A compact report's account of its tunnels. A handshake per peer every 10 s makes each report
   * O(N) and the fleet's O(N²) bytes (750 kB per report at 5 000 peers): a working tunnel is left
   * out of {@code handshakes}, and counted here.
   *
   * @param configured WireGuard peers on the interface (this and the next two are required)
   * @param recent of those, with a handshake younger than {@code recentSeconds}: left out of {@code
   *     handshakes} unless their endpoint is news
   * @param recentSeconds the age under which a handshake was counted recent
   * @param oldestAgeSeconds age of the oldest handshake on the interface, null if none
   * @param unconfigured public keys of the peers of the agent's map that its interface lacks
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Tunnels(
      Integer configured,
      Integer recent,
      Integer recentSeconds,
      Long oldestAgeSeconds,
      List<String> unconfigured) {}

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
