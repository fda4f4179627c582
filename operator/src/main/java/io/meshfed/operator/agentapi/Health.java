package io.meshfed.operator.agentapi;

import io.meshfed.api.agent.StatusReport.PeerHandshake;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The data plane as one peer sees it: of the peers it should reach, which have a configured
 * WireGuard peer ({@code configured}) and a recent handshake ({@code recent}). A peer that entered
 * the map less than {@code settle} ago is not yet counted missing: its first handshake comes with
 * its first packet or keepalive.
 *
 * @param expected peers this one should reach
 * @param configured of those, how many the interface has
 * @param recent of those, how many had a handshake within the freshness
 * @param oldestAgeSeconds age of the oldest handshake among the expected, null if none yet
 * @param missing names of expected peers (past their settle time) without a recent handshake
 * @param unconfigured names of expected peers the interface does not have
 */
public record Health(
    int expected, int configured, int recent, Long oldestAgeSeconds, List<String> missing, List<String> unconfigured) {

  public boolean healthy() {
    return missing.isEmpty();
  }

  public boolean meshConfigured() {
    return unconfigured.isEmpty();
  }

  public static Health of(
      Map<String, NetMapHub.Member> expected, List<PeerHandshake> handshakes, Instant now,
      Duration freshness, Duration settle) {
    Map<String, PeerHandshake> byKey = handshakes == null
        ? Map.of()
        : handshakes.stream().collect(Collectors.toMap(PeerHandshake::publicKey, Function.identity(), (a, b) -> a));
    int configured = 0;
    int recent = 0;
    Long oldest = null;
    TreeSet<String> missing = new TreeSet<>();
    TreeSet<String> unconfigured = new TreeSet<>();
    for (var entry : expected.entrySet()) {
      String name = entry.getValue().peer().name();
      PeerHandshake handshake = byKey.get(entry.getKey());
      if (handshake == null) {
        unconfigured.add(name);
      } else {
        configured++;
      }
      boolean fresh = false;
      if (handshake != null && handshake.lastHandshakeEpochSeconds() > 0) {
        long age = Math.max(0, now.getEpochSecond() - handshake.lastHandshakeEpochSeconds());
        oldest = oldest == null ? age : Math.max(oldest, age);
        fresh = age <= freshness.toSeconds();
      }
      if (fresh) {
        recent++;
      } else if (!entry.getValue().since().plus(settle).isAfter(now)) {
        missing.add(name);
      }
    }
    return new Health(expected.size(), configured, recent, oldest, List.copyOf(missing), List.copyOf(unconfigured));
  }
}
