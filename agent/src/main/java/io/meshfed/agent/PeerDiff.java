package io.meshfed.agent;

import io.meshfed.api.agent.MapPeer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What to change on the interface so its peers match the map: only what differs. A peer's endpoint
 * is left alone while it is one of the map's candidates, because WireGuard roams (a peer behind NAT
 * shows up from another port) and resetting it would break a working tunnel.
 */
public final class PeerDiff {
  private PeerDiff() {}

  /** One {@code peer …} clause of {@code wg set}. */
  public record Change(String publicKey, boolean remove, List<String> args) {
    static Change remove(String key) {
      return new Change(key, true, List.of("peer", key, "remove"));
    }
  }

  public static List<Change> between(WgDump current, Collection<MapPeer> wanted) {
    return between(current, wanted, null, null, 0);
  }

  /**
   * @param site where this peer is ({@code SelfConfig.site}): peers of the same site are tried at
   *     their own addresses first
   * @param ownKeepalive the keepalive this peer sends to every peer (behind NAT), or null
   * @param nowEpochSeconds now, to tell a working tunnel (a recent handshake) from a silent one
   */
  public static List<Change> between(
      WgDump current,
      Collection<MapPeer> wanted,
      String site,
      Integer ownKeepalive,
      long nowEpochSeconds) {
    List<Change> changes = new ArrayList<>();
    Set<String> wantedKeys = new TreeSet<>();
    for (MapPeer peer : wanted) {
      wantedKeys.add(peer.publicKey());
      WgDump.Peer have = current.peers().get(peer.publicKey());
      List<String> args = new ArrayList<>(List.of("peer", peer.publicKey()));
      List<String> endpoints = peer.candidatesFor(site);
      // an endpoint WireGuard learnt from a working tunnel stays, candidate or not (it roamed)
      boolean working =
          have != null
              && have.latestHandshake() > 0
              && nowEpochSeconds - have.latestHandshake() < EndpointTrials.FRESH.toSeconds();
      if (!endpoints.isEmpty()
          && (have == null
              || have.endpoint() == null
              || (!endpoints.contains(have.endpoint()) && !working))) {
        args.addAll(List.of("endpoint", endpoints.get(0)));
      }
      Set<String> allowed =
          new TreeSet<>(peer.allowedIPs() == null ? List.of() : peer.allowedIPs());
      if (have == null || !have.allowedIps().equals(allowed)) {
        args.addAll(List.of("allowed-ips", String.join(",", allowed)));
      }
      int keepalive =
          Math.max(
              peer.persistentKeepalive() == null ? 0 : peer.persistentKeepalive(),
              ownKeepalive == null ? 0 : ownKeepalive);
      if (have == null || have.keepalive() != keepalive) {
        args.addAll(
            List.of("persistent-keepalive", keepalive == 0 ? "off" : Integer.toString(keepalive)));
      }
      if (args.size() > 2) {
        changes.add(new Change(peer.publicKey(), false, args));
      }
    }
    for (String key : current.peers().keySet()) {
      if (!wantedKeys.contains(key)) {
        changes.add(Change.remove(key));
      }
    }
    return changes;
  }
}
