package io.meshfed.operator.agentapi;

import io.meshfed.api.agent.MapPeer;
import io.meshfed.api.agent.StatusReport.PeerHandshake;
import io.meshfed.api.agent.StatusReport.Tunnels;
import io.meshfed.operator.netmap.MapLog;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The data plane as one peer sees it: of the peers it should reach, which have a configured
 * WireGuard peer ({@code configured}) and a recent handshake ({@code recent}). A peer that entered
 * the map less than {@code settle} ago is not yet counted missing nor unconfigured: its first
 * handshake comes with its first packet or keepalive, and the report may predate the map.
 *
 * @param expected peers this one should reach
 * @param configured of those, how many the interface has
 * @param recent of those, how many had a handshake within the freshness
 * @param oldestAgeSeconds age of the oldest handshake among the expected, null if none yet
 * @param missingCount expected peers (past their settle time) without a recent handshake
 * @param missing the first {@value #SAMPLE} of those by name
 * @param unconfiguredCount expected peers the interface does not have
 * @param unconfigured the first {@value #SAMPLE} of those by name
 *     <p>Names are a sample, not the list: a report is kept per peer, and lists of every other peer
 *     would make that O(N²) in a large mesh (and the conditions' messages unreadable).
 */
public record Health(
    int expected,
    int configured,
    int recent,
    Long oldestAgeSeconds,
    int missingCount,
    List<String> missing,
    int unconfiguredCount,
    List<String> unconfigured) {
  static final int SAMPLE = 5;

  public boolean healthy() {
    return missingCount == 0;
  }

  public boolean meshConfigured() {
    return unconfiguredCount == 0;
  }

  /** "a, b, c" or "a, b, c, d, e and 12 more". */
  public String describeMissing() {
    return describe(missing, missingCount);
  }

  public String describeUnconfigured() {
    return describe(unconfigured, unconfiguredCount);
  }

  private static String describe(List<String> sample, int count) {
    return String.join(", ", sample)
        + (count > sample.size() ? " and " + (count - sample.size()) + " more" : "");
  }

  /** Health from a report that lists every WireGuard peer's handshake. */
  public static Health of(
      Map<String, MapLog.Member> expected,
      List<PeerHandshake> handshakes,
      Instant now,
      Duration freshness,
      Duration settle) {
    return observe(
            expected,
            member -> true,
            Instant.MIN,
            Reported.every(handshakes),
            now,
            freshness,
            settle)
        .health();
  }

  /** A report's health, and every expected peer it had no recent handshake with (by name). */
  public record Observation(Health health, Set<String> missing) {}

  /**
   * What a report says of its tunnels, as health reads it.
   *
   * @param handshakes the handshakes it lists
   * @param tunnels what they leave out (a compact report), or null when they are every peer's
   * @param inAgentsMap which members the agent's map holds (by the version it reports): a member
   *     its map lacks cannot be on its interface, listed or not
   */
  public record Reported(
      List<PeerHandshake> handshakes, Tunnels tunnels, Predicate<MapLog.Member> inAgentsMap) {
    public static Reported every(List<PeerHandshake> handshakes) {
      return new Reported(handshakes, null, member -> true);
    }
  }

  /**
   * @param members the map's peers by public key
   * @param expected which of them this peer should reach directly
   * @param selfSince when the reporting peer entered the map: a tunnel is as new as its newer side,
   *     so a peer's first reports (before its handshakes) count no one missing
   */
  public static Observation observe(
      Map<String, MapLog.Member> members,
      Predicate<MapLog.Member> expected,
      Instant selfSince,
      Reported reported,
      Instant now,
      Duration freshness,
      Duration settle) {
    Map<String, PeerHandshake> byKey =
        reported.handshakes() == null
            ? Map.of()
            : reported.handshakes().stream()
                .collect(
                    Collectors.toMap(PeerHandshake::publicKey, Function.identity(), (a, b) -> a));
    Tunnels tunnels = reported.tunnels();
    Set<String> notOnInterface =
        tunnels == null || tunnels.unconfigured() == null
            ? Set.of()
            : new HashSet<>(tunnels.unconfigured());
    // a compact report leaves working tunnels out: a member it does not list is one, if the
    // agent's map has it and its interface does
    boolean countsUnlisted = tunnels != null && tunnels.configured() > 0;
    int configured = 0;
    int recent = 0;
    Long oldest = tunnels == null ? null : tunnels.oldestAgeSeconds();
    // every missing name (the relay planner reads them), but only the first few in order: sorting
    // thousands of names per report, while a fleet waits for its first maps and misses everyone,
    // was most of a report's cost at 5 000 agents
    List<String> missing = new ArrayList<>();
    FirstNames firstMissing = new FirstNames();
    FirstNames unconfigured = new FirstNames();
    int expectedCount = 0;
    for (var entry : members.entrySet()) {
      if (!expected.test(entry.getValue())) {
        continue;
      }
      expectedCount++;
      String name = entry.getValue().peer().name();
      PeerHandshake handshake = byKey.get(entry.getKey());
      // a peer new to the map is not yet missing, nor yet expected on the interface: the report
      // may predate the map that brought it
      Instant pairSince =
          entry.getValue().since().isAfter(selfSince) ? entry.getValue().since() : selfSince;
      boolean settled = !pairSince.plus(settleOf(entry.getValue().peer(), settle)).isAfter(now);
      boolean working =
          handshake == null
              && countsUnlisted
              && !notOnInterface.contains(entry.getKey())
              && reported.inAgentsMap().test(entry.getValue());
      if (handshake != null || working) {
        configured++;
      } else if (settled) {
        unconfigured.offer(name);
      }
      boolean fresh = working;
      if (handshake != null && handshake.lastHandshakeEpochSeconds() > 0) {
        long age = Math.max(0, now.getEpochSecond() - handshake.lastHandshakeEpochSeconds());
        oldest = oldest == null ? age : Math.max(oldest, age);
        fresh = age <= freshness.toSeconds();
      }
      if (fresh) {
        recent++;
      } else if (settled) {
        missing.add(name);
        firstMissing.offer(name);
      }
    }
    return new Observation(
        new Health(
            expectedCount,
            configured,
            recent,
            oldest,
            missing.size(),
            firstMissing.list(),
            unconfigured.count,
            unconfigured.list()),
        Set.copyOf(missing));
  }

  /**
   * How long a new tunnel gets before its missing handshake counts: with a persistent keepalive,
   * two keepalives and a few seconds; without one (handshakes come only with traffic), the default.
   */
  static Duration settleOf(MapPeer peer, Duration withoutKeepalive) {
    Integer keepalive = peer.persistentKeepalive();
    return keepalive == null || keepalive <= 0
        ? withoutKeepalive
        : Duration.ofSeconds(2L * keepalive + 5);
  }

  /** The alphabetically first {@link #SAMPLE} names of those offered, and how many were. */
  private static final class FirstNames {
    private final TreeSet<String> first = new TreeSet<>();
    int count;

    void offer(String name) {
      count++;
      if (first.size() < SAMPLE) {
        first.add(name);
      } else if (name.compareTo(first.last()) < 0) {
        first.add(name);
        first.pollLast();
      }
    }

    List<String> list() {
      return List.copyOf(first);
    }
  }
}
