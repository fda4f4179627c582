package io.meshfed.agent;

import io.meshfed.api.agent.MapPeer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Finds a working endpoint among a peer's candidates: while WireGuard sends to a peer (its byte
 * counter grows: handshake attempts, keepalives) and no handshake comes back, the next candidate is
 * tried after a while, round after round, each round waiting longer. A peer with a recent handshake
 * is left alone — its endpoint is WireGuard's, roaming included — and so is an idle one (nothing
 * sent, nothing to learn). Not thread-safe: one thread ticks it.
 */
final class EndpointTrials {
  /** A working tunnel handshakes at least every two minutes; past this it is not working. */
  static final Duration FRESH = Duration.ofSeconds(180);

  /** WireGuard retries a handshake every 5 s: one retry's worth per candidate, at first. */
  static final Duration FIRST_TRY = Duration.ofSeconds(6);

  static final Duration LONGEST_TRY = Duration.ofSeconds(60);

  /** The endpoint being tried, since when, what had been sent then, and how long it gets. */
  private record Trial(String endpoint, Instant since, long txAtStart, Duration tryFor) {}

  private final Map<String, Trial> trials = new HashMap<>();

  /** The endpoints to set now, as {@code wg set} clauses. */
  List<PeerDiff.Change> tick(WgDump dump, Collection<MapPeer> peers, String site, Instant now) {
    List<PeerDiff.Change> changes = new ArrayList<>();
    Set<String> keys = new HashSet<>();
    for (MapPeer peer : peers) {
      keys.add(peer.publicKey());
      List<String> candidates = peer.candidatesFor(site);
      WgDump.Peer have = dump.peers().get(peer.publicKey());
      if (have == null || candidates.size() < 2 || working(have, now)) {
        trials.remove(peer.publicKey());
        continue;
      }
      Trial trial = trials.get(peer.publicKey());
      if (trial == null || !Objects.equals(trial.endpoint(), have.endpoint())) {
        // what is set now (by the map, or by WireGuard) gets its time first
        trials.put(peer.publicKey(), new Trial(have.endpoint(), now, have.txBytes(), FIRST_TRY));
        continue;
      }
      boolean sent = have.txBytes() > trial.txAtStart();
      if (!sent || now.isBefore(trial.since().plus(trial.tryFor()))) {
        continue;
      }
      int next = (candidates.indexOf(have.endpoint()) + 1) % candidates.size();
      Duration tryFor =
          next == 0 ? min(trial.tryFor().multipliedBy(2), LONGEST_TRY) : trial.tryFor();
      String endpoint = candidates.get(next);
      trials.put(peer.publicKey(), new Trial(endpoint, now, have.txBytes(), tryFor));
      changes.add(
          new PeerDiff.Change(
              peer.publicKey(), false, List.of("peer", peer.publicKey(), "endpoint", endpoint)));
    }
    trials.keySet().retainAll(keys);
    return changes;
  }

  static boolean working(WgDump.Peer peer, Instant now) {
    return peer.latestHandshake() > 0
        && Instant.ofEpochSecond(peer.latestHandshake()).plus(FRESH).isAfter(now);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) < 0 ? a : b;
  }
}
