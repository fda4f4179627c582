package io.meshfed.agent;

import io.meshfed.api.agent.StatusReport.PeerHandshake;
import io.meshfed.api.agent.StatusReport.Tunnels;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * What a status report says of the tunnels (decision 0023): a working tunnel is counted, not
 * listed. Listed are the peers that need attention — no handshake younger than {@link
 * #RECENT_SECONDS} — and working ones whose endpoint is news (never told, or changed), plus the
 * {@link #REFRESH_PER_REPORT} told longest ago, so that what peers see of each other's endpoints
 * stays fresh at the operator (across a fleet, every key is refreshed by many observers). A report
 * of a working mesh is then O(1) in size, not O(N).
 *
 * <p>News is bounded too ({@link #NEWS_PER_REPORT}): the first report after a map of N peers came
 * would otherwise tell N endpoints at once (1.8 MB at 10 000 peers, from every agent at the same
 * time), as heavy as the map. A moved endpoint goes first; first sightings follow in an order of
 * this agent's own, so that a fleet's first reports tell the operator of every peer, not all of the
 * same few. News not told yet is a working tunnel, counted as such, and told in a later report.
 *
 * <p>Keeps which endpoint it last told for each key; otherwise pure (the time is passed in).
 */
final class TunnelDigest {
  /**
   * A handshake younger than this is a working tunnel: WireGuard renews its session every two
   * minutes while packets or keepalives flow.
   */
  static final int RECENT_SECONDS = 120;

  /** Working tunnels listed anyway per report, the longest untold first. */
  static final int REFRESH_PER_REPORT = 16;

  /** Endpoints told as news per report, at most; the rest wait for the next reports. */
  static final int NEWS_PER_REPORT = 48;

  /** The order in which this agent tells first sightings (a seed, mixed with each key). */
  private final long order;

  private record Told(String endpoint, long at) {}

  private final Map<String, Told> told = new HashMap<>();

  TunnelDigest() {
    this(ThreadLocalRandom.current().nextLong());
  }

  TunnelDigest(long order) {
    this.order = order;
  }

  /** One report's handshakes and the account of what they leave out. */
  record Digest(List<PeerHandshake> handshakes, Tunnels tunnels) {}

  /**
   * @param interfacePeers the WireGuard peers on the interface now
   * @param mapKeys the public keys of the peers in the agent's map
   * @param nowEpochSeconds the time of the report
   */
  synchronized Digest digest(
      Collection<WgDump.Peer> interfacePeers, Set<String> mapKeys, long nowEpochSeconds) {
    List<PeerHandshake> listed = new ArrayList<>();
    List<WgDump.Peer> refreshable = new ArrayList<>();
    List<WgDump.Peer> moved = new ArrayList<>();
    List<WgDump.Peer> firstSeen = new ArrayList<>();
    int recent = 0;
    Long oldest = null;
    for (WgDump.Peer peer : interfacePeers) {
      long age =
          peer.latestHandshake() == 0
              ? Long.MAX_VALUE
              : Math.max(0, nowEpochSeconds - peer.latestHandshake());
      if (peer.latestHandshake() != 0) {
        oldest = oldest == null ? age : Math.max(oldest, age);
      }
      if (age >= RECENT_SECONDS) {
        listed.add(handshakeOf(peer));
        continue;
      }
      recent++;
      Told before = told.get(peer.publicKey());
      if (peer.endpoint() == null) {
        continue;
      }
      if (before == null) {
        firstSeen.add(peer);
      } else if (!peer.endpoint().equals(before.endpoint())) {
        moved.add(peer);
      } else {
        refreshable.add(peer);
      }
    }
    // news: where a peer is seen from now — moves first (a roaming peer's others wait on it)
    moved.sort(Comparator.comparing(WgDump.Peer::publicKey));
    firstSeen.sort(
        Comparator.comparingLong((WgDump.Peer p) -> mix(order ^ p.publicKey().hashCode()))
            .thenComparing(WgDump.Peer::publicKey));
    Stream.concat(moved.stream(), firstSeen.stream())
        .limit(NEWS_PER_REPORT)
        .forEach(
            peer -> {
              listed.add(handshakeOf(peer));
              told.put(peer.publicKey(), new Told(peer.endpoint(), nowEpochSeconds));
            });
    refreshable.stream()
        .sorted(
            Comparator.comparingLong((WgDump.Peer p) -> told.get(p.publicKey()).at())
                .thenComparing(WgDump.Peer::publicKey))
        .limit(REFRESH_PER_REPORT)
        .forEach(
            peer -> {
              listed.add(handshakeOf(peer));
              told.put(peer.publicKey(), new Told(peer.endpoint(), nowEpochSeconds));
            });
    TreeSet<String> configured = new TreeSet<>();
    interfacePeers.forEach(p -> configured.add(p.publicKey()));
    told.keySet().retainAll(configured); // peers that left are forgotten
    List<String> unconfigured =
        mapKeys.stream().filter(k -> !configured.contains(k)).sorted().toList();
    return new Digest(
        listed,
        new Tunnels(
            interfacePeers.size(),
            recent,
            RECENT_SECONDS,
            oldest,
            unconfigured.isEmpty() ? null : unconfigured));
  }

  /** Every peer's handshake, as agents before compact reports sent (and gateways still do). */
  static List<PeerHandshake> every(Collection<WgDump.Peer> interfacePeers) {
    return interfacePeers.stream().map(TunnelDigest::handshakeOf).toList();
  }

  /** SplitMix64's finaliser: an order unrelated to the keys' own. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  private static PeerHandshake handshakeOf(WgDump.Peer p) {
    return new PeerHandshake(
        p.publicKey(), p.latestHandshake(), p.rxBytes(), p.txBytes(), p.endpoint());
  }
}
