package io.meshfed.operator.agentapi;

import io.meshfed.api.agent.MapPeer;
import io.meshfed.api.agent.StatusReport.PeerHandshake;
import io.meshfed.api.agent.StatusReport.Tunnels;
import io.meshfed.operator.netmap.MapLog;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractCollection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Spliterators;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

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
            MapLog.Members.of(expected),
            Set.of(),
            Instant.MIN,
            Reported.every(handshakes),
            now,
            freshness,
            settle)
        .health();
  }

  /**
   * A report's health, and every expected peer it had no recent handshake with (by name, in no
   * order).
   */
  public record Observation(Health health, Collection<String> missing) {}

  /**
   * What a report says of its tunnels, as health reads it.
   *
   * @param handshakes the handshakes it lists
   * @param tunnels what they leave out (a compact report), or null when they are every peer's
   * @param heldUpTo the newest member version the agent's map holds (by the version it reports;
   *     {@link #HELD_ALL}, {@link #HELD_NONE}): a member its map lacks cannot be on its interface,
   *     listed or not
   */
  public record Reported(List<PeerHandshake> handshakes, Tunnels tunnels, long heldUpTo) {
    public static final long HELD_ALL = Long.MAX_VALUE;
    public static final long HELD_NONE = Long.MIN_VALUE;

    public static Reported every(List<PeerHandshake> handshakes) {
      return new Reported(handshakes, null, HELD_ALL);
    }

    boolean holds(MapLog.Member member) {
      return member.version() <= heldUpTo;
    }
  }

  /**
   * @param members the map's peers
   * @param notExpected peers (by name) this one does not reach directly: itself, those relayed
   * @param selfSince when the reporting peer entered the map: a tunnel is as new as its newer side,
   *     so a peer's first reports (before its handshakes) count no one missing
   */
  public static Observation observe(
      MapLog.Members members,
      Set<String> notExpected,
      Instant selfSince,
      Reported reported,
      Instant now,
      Duration freshness,
      Duration settle) {
    return observe(
        members, notExpected, selfSince, reported, now, freshness, settle, Counting.IN_BULK);
  }

  /** How members are counted: what counting in bulk says must be what checking each one says. */
  enum Counting {
    IN_BULK,
    EACH_MEMBER
  }

  static Observation observe(
      MapLog.Members members,
      Set<String> notExpected,
      Instant selfSince,
      Reported reported,
      Instant now,
      Duration freshness,
      Duration settle,
      Counting counting) {
    Tally tally = new Tally(reported, selfSince, now, freshness, settle);
    Map<String, MapLog.Member> all = members.byKey();
    // Only some members are looked at one by one; the rest are alike and counted in bulk — O(what
    // changed) rather than O(N) per report (walking 5 000 members per report, 500 reports a second,
    // was the operator's CPU at 5 000 agents).
    Map<String, MapLog.Member> lookAt = new HashMap<>();
    for (String key : tally.listed.keySet()) {
      putMember(all, key, lookAt);
    }
    Bulk bulk;
    if (counting == Counting.EACH_MEMBER) {
      lookAt.putAll(all);
      bulk = Bulk.UNSETTLED; // none left
    } else if (tally.countsUnlisted) {
      // a compact report: a member it neither lists nor names off its interface, that its map
      // holds, is a working tunnel
      for (String key : tally.notOnInterface) {
        putMember(all, key, lookAt);
      }
      for (MapLog.Member member : members.keyedAfter(reported.heldUpTo())) {
        lookAt.putIfAbsent(member.peer().publicKey(), member);
      }
      bulk = Bulk.WORKING;
    } else {
      // nothing unlisted is on its interface (an agent before its first map): an unlisted member
      // is missing once its tunnel settled, which only a recent joiner's may not have
      Duration longest = settle;
      Duration shortest = settle;
      for (int keepalive : members.keepalives()) {
        Duration each = settleOf(keepalive, settle);
        longest = each.compareTo(longest) > 0 ? each : longest;
        shortest = each.compareTo(shortest) < 0 ? each : shortest;
      }
      if (!selfSince.plus(longest).isAfter(now)) {
        for (MapLog.Member member : members.joinedAfter(now.minus(longest))) {
          lookAt.putIfAbsent(member.peer().publicKey(), member);
        }
        bulk = Bulk.SETTLED;
      } else if (selfSince.plus(shortest).isAfter(now)) {
        bulk = Bulk.UNSETTLED; // the reporter is new: none of its tunnels settled
      } else {
        lookAt.putAll(all); // its tunnels settle one by one
        bulk = Bulk.UNSETTLED;
      }
    }
    int looked = 0;
    for (MapLog.Member member : lookAt.values()) {
      if (!notExpected.contains(member.peer().name())) {
        tally.add(member);
        looked++;
      }
    }
    int rest = Math.max(0, all.size() - membersNamed(members, notExpected) - looked);
    switch (bulk) {
      case WORKING -> tally.working(rest);
      case UNSETTLED -> tally.settling(rest);
      case SETTLED ->
          tally.missingAll(
              rest,
              () ->
                  StreamSupport.stream(members.inNameOrder().spliterator(), false)
                      .filter(
                          member ->
                              !notExpected.contains(member.peer().name())
                                  && !lookAt.containsKey(member.peer().publicKey())
                                  && all.get(member.peer().publicKey()) == member)
                      .map(member -> member.peer().name())
                      .iterator());
    }
    return tally.observation();
  }

  /** What the members not looked at one by one are. */
  private enum Bulk {
    WORKING,
    SETTLED,
    UNSETTLED
  }

  private static void putMember(
      Map<String, MapLog.Member> all, String key, Map<String, MapLog.Member> into) {
    MapLog.Member member = all.get(key);
    if (member != null) {
      into.put(key, member);
    }
  }

  /** How many of the map's members (under their keys) have one of these names. */
  private static int membersNamed(MapLog.Members members, Set<String> names) {
    int count = 0;
    for (String name : names) {
      MapLog.Member member = members.named(name);
      if (member != null && members.byKey().get(member.peer().publicKey()) == member) {
        count++;
      }
    }
    return count;
  }

  /** The counts of one report, member by member. */
  private static final class Tally {
    final Map<String, PeerHandshake> listed;
    final Set<String> notOnInterface;
    final boolean countsUnlisted;
    private final Reported reported;
    private final Instant selfSince;
    private final Instant now;
    private final Duration freshness;
    private final Duration settle;
    private int expected;
    private int configured;
    private int recent;
    private Long oldest;
    // every missing name (the relay planner reads them), but only the first few in order: sorting
    // thousands of names per report, while a fleet waits for its first maps and misses everyone,
    // was most of a report's cost at 5 000 agents
    private final List<String> missing = new ArrayList<>();
    private final FirstNames firstMissing = new FirstNames();
    private final FirstNames unconfigured = new FirstNames();
    private int bulkMissing;
    private Supplier<Iterator<String>> bulkMissingNames;

    Tally(Reported reported, Instant selfSince, Instant now, Duration freshness, Duration settle) {
      this.reported = reported;
      this.selfSince = selfSince;
      this.now = now;
      this.freshness = freshness;
      this.settle = settle;
      this.listed =
          reported.handshakes() == null
              ? Map.of()
              : reported.handshakes().stream()
                  .collect(
                      Collectors.toMap(PeerHandshake::publicKey, Function.identity(), (a, b) -> a));
      Tunnels tunnels = reported.tunnels();
      this.notOnInterface =
          tunnels == null || tunnels.unconfigured() == null
              ? Set.of()
              : new HashSet<>(tunnels.unconfigured());
      // a compact report leaves working tunnels out: a member it does not list is one, if the
      // agent's map has it and its interface does
      this.countsUnlisted = tunnels != null && tunnels.configured() > 0;
      this.oldest = tunnels == null ? null : tunnels.oldestAgeSeconds();
    }

    void add(MapLog.Member member) {
      expected++;
      String key = member.peer().publicKey();
      String name = member.peer().name();
      PeerHandshake handshake = listed.get(key);
      // a peer new to the map is not yet missing, nor yet expected on the interface: the report
      // may predate the map that brought it
      Instant pairSince = member.since().isAfter(selfSince) ? member.since() : selfSince;
      boolean settled = !pairSince.plus(settleOf(member.peer(), settle)).isAfter(now);
      boolean working =
          handshake == null
              && countsUnlisted
              && !notOnInterface.contains(key)
              && reported.holds(member);
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

    /** Members counted working without being looked at. */
    void working(int count) {
      expected += count;
      configured += count;
      recent += count;
    }

    /** Members off the interface, unlisted, whose tunnels have not settled yet. */
    void settling(int count) {
      expected += count;
    }

    /**
     * Members off the interface, unlisted and settled: each missing and unconfigured. Their names
     * are read from {@code names} (in name order) only as far as they are used.
     */
    void missingAll(int count, Supplier<Iterator<String>> names) {
      expected += count;
      Iterator<String> first = names.get();
      for (int i = 0; i < SAMPLE && first.hasNext(); i++) {
        String name = first.next();
        firstMissing.sample(name);
        unconfigured.sample(name);
      }
      firstMissing.count += count;
      unconfigured.count += count;
      bulkMissing = count;
      bulkMissingNames = names;
    }

    Observation observation() {
      List<String> one = missing;
      int bulk = bulkMissing;
      Supplier<Iterator<String>> bulkNames = bulkMissingNames;
      // the names of a peer that misses everyone are read only if someone reads them: the relay
      // planner keeps no names of an isolated peer
      Collection<String> allMissing =
          bulk == 0
              ? one
              : new AbstractCollection<>() {
                @Override
                public Iterator<String> iterator() {
                  return Stream.concat(
                          one.stream(),
                          StreamSupport.stream(
                              Spliterators.spliteratorUnknownSize(bulkNames.get(), 0), false))
                      .iterator();
                }

                @Override
                public int size() {
                  return one.size() + bulk;
                }
              };
      return new Observation(
          new Health(
              expected,
              configured,
              recent,
              oldest,
              missing.size() + bulk,
              firstMissing.list(),
              unconfigured.count,
              unconfigured.list()),
          allMissing);
    }
  }

  /**
   * How long a new tunnel gets before its missing handshake counts: with a persistent keepalive,
   * two keepalives and a few seconds; without one (handshakes come only with traffic), the default.
   */
  static Duration settleOf(MapPeer peer, Duration withoutKeepalive) {
    Integer keepalive = peer.persistentKeepalive();
    return settleOf(keepalive == null ? 0 : keepalive, withoutKeepalive);
  }

  private static Duration settleOf(int keepalive, Duration withoutKeepalive) {
    return keepalive <= 0 ? withoutKeepalive : Duration.ofSeconds(2L * keepalive + 5);
  }

  /** The alphabetically first {@link #SAMPLE} names of those offered, and how many were. */
  private static final class FirstNames {
    private final TreeSet<String> first = new TreeSet<>();
    int count;

    void offer(String name) {
      count++;
      sample(name);
    }

    /** A name for the sample, counted elsewhere. */
    void sample(String name) {
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
