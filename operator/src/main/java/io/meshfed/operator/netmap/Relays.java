package io.meshfed.operator.netmap;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which pairs of peers go through a relay, and which relay. Pure: the previous decision, what the
 * agents report and the time in; the next decision out.
 *
 * <p>A pair is broken when either side reports no recent handshake with the other and at least one
 * of them probes (sends keepalives: peers that may be behind NAT do, and so does every peer of a
 * cluster with a persistent keepalive). Without a probe, no handshake may only mean no traffic. A
 * pair broken for {@link #BROKEN_FOR} gets a relay: a gateway peer both sides reach directly, the
 * least loaded, then by name. A relayed pair keeps its relay while it is good (sticky: no
 * flapping); its two peers go on probing each other directly (their entries stay, without allowed
 * IPs), and once they have had a direct handshake for {@link #DIRECT_FOR} the pair goes back to
 * direct.
 *
 * <p>A peer that reaches none of its peers ({@link Member#isolated}: no map yet, a firewall, a dead
 * interface) is one peer's problem, not N pairs': a relay is a gateway it reaches, and it reaches
 * none. Its pairs are not planned (its own health says what it misses); planning them made the
 * planner's state O(N²) while a fleet's agents waited for their first maps.
 */
public final class Relays {
  /** How long a pair is without a handshake before it gets a relay. */
  public static final Duration BROKEN_FOR = Duration.ofSeconds(20);

  /** How long a relayed pair must reach itself directly before it goes back to direct. */
  public static final Duration DIRECT_FOR = Duration.ofSeconds(30);

  /**
   * Peers a member must miss, all of them, to count as isolated. Below it, each pair still gets its
   * own verdict (and a small cluster without a gateway says so for the pair).
   */
  public static final int ISOLATED_AT = 16;

  private Relays() {}

  /**
   * A peer as the planner sees it.
   *
   * @param gateway whether it may relay: role gateway, and reachable as it is (not behind NAT)
   * @param probes whether it sends keepalives to every peer, so a missing handshake means no path
   * @param missing the peers it reports no recent handshake with (null: it does not report now)
   * @param isolated it reports no recent handshake with any of at least {@link #ISOLATED_AT} peers
   *     (then {@code missing} need not list them)
   */
  public record Member(
      String name, boolean gateway, boolean probes, Set<String> missing, boolean isolated) {
    public Member(String name, boolean gateway, boolean probes, Set<String> missing) {
      this(name, gateway, probes, missing, false);
    }

    boolean reports() {
      return missing != null;
    }

    boolean reaches(String other) {
      return missing != null && !missing.contains(other);
    }
  }

  /** Two peers, in name order. */
  public record Pair(String a, String b) {
    public static Pair of(String x, String y) {
      return x.compareTo(y) < 0 ? new Pair(x, y) : new Pair(y, x);
    }
  }

  /**
   * A decision and its clocks.
   *
   * @param relayed each relayed pair and the gateway that relays it
   * @param brokenSince since when a pair that is not relayed has been broken
   * @param directSince since when a relayed pair has been reaching itself directly
   * @param unreachable broken pairs no gateway can relay, with why
   */
  public record State(
      Map<Pair, String> relayed,
      Map<Pair, Instant> brokenSince,
      Map<Pair, Instant> directSince,
      Map<Pair, String> unreachable) {
    public static final State NONE = new State(Map.of(), Map.of(), Map.of(), Map.of());
  }

  public static State decide(State previous, Collection<Member> members, Instant now) {
    Map<String, Member> byName = new TreeMap<>();
    members.forEach(m -> byName.put(m.name(), m));
    Map<Pair, String> relayed = new TreeMap<>(Comparator.comparing(Pair::a).thenComparing(Pair::b));
    Map<Pair, Instant> brokenSince = new HashMap<>();
    Map<Pair, Instant> directSince = new HashMap<>();
    Map<Pair, String> unreachable =
        new TreeMap<>(Comparator.comparing(Pair::a).thenComparing(Pair::b));
    Map<String, Integer> load = new HashMap<>();

    // relayed pairs first: they keep their relay while it is good, or go back to direct
    for (var entry : sorted(previous.relayed()).entrySet()) {
      Pair pair = entry.getKey();
      if (!byName.containsKey(pair.a()) || !byName.containsKey(pair.b())) {
        continue; // a peer left
      }
      if (byName.get(pair.a()).isolated() || byName.get(pair.b()).isolated()) {
        continue; // it reaches no gateway either
      }
      if (!broken(pair, byName)) {
        Instant since = previous.directSince().getOrDefault(pair, now);
        if (!since.plus(DIRECT_FOR).isAfter(now)) {
          continue; // direct for long enough: no relay
        }
        directSince.put(pair, since);
      }
      String via = entry.getValue();
      if (!canRelay(byName.get(via), pair)) {
        Optional<String> other = choose(pair, byName, load);
        if (other.isEmpty()) {
          unreachable.put(pair, why(pair, byName));
          continue;
        }
        via = other.get();
      }
      relayed.put(pair, via);
      load.merge(via, 1, Integer::sum);
    }

    // broken pairs without a relay: one once they have been broken long enough
    for (Pair pair : brokenPairs(byName)) {
      if (relayed.containsKey(pair) || unreachable.containsKey(pair)) {
        continue;
      }
      Instant since = previous.brokenSince().getOrDefault(pair, now);
      if (since.plus(BROKEN_FOR).isAfter(now)) {
        brokenSince.put(pair, since);
        continue;
      }
      Optional<String> via = choose(pair, byName, load);
      if (via.isEmpty()) {
        brokenSince.put(pair, since);
        unreachable.put(pair, why(pair, byName));
        continue;
      }
      relayed.put(pair, via.get());
      load.merge(via.get(), 1, Integer::sum);
    }
    return new State(
        Map.copyOf(relayed),
        Map.copyOf(brokenSince),
        Map.copyOf(directSince),
        Map.copyOf(unreachable));
  }

  /** What each peer's map says: the peers it reaches through a relay, and through which. */
  public static Map<String, Map<String, String>> routes(State state) {
    return bySide(state.relayed());
  }

  /** Pairs' values seen from each side: peer → (the other peer → value), both sorted. */
  static Map<String, Map<String, String>> bySide(Map<Pair, String> pairs) {
    Map<String, Map<String, String>> sides = new TreeMap<>();
    pairs.forEach(
        (pair, value) -> {
          sides.computeIfAbsent(pair.a(), k -> new TreeMap<>()).put(pair.b(), value);
          sides.computeIfAbsent(pair.b(), k -> new TreeMap<>()).put(pair.a(), value);
        });
    return sides;
  }

  private static boolean broken(Pair pair, Map<String, Member> byName) {
    Member a = byName.get(pair.a());
    Member b = byName.get(pair.b());
    return (a.probes() || b.probes())
        && ((a.reports() && !a.reaches(pair.b())) || (b.reports() && !b.reaches(pair.a())));
  }

  private static Set<Pair> brokenPairs(Map<String, Member> byName) {
    Set<Pair> pairs = new TreeSet<>(Comparator.comparing(Pair::a).thenComparing(Pair::b));
    for (Member member : byName.values()) {
      if (member.missing() == null || member.isolated()) {
        continue;
      }
      for (String other : member.missing()) {
        if (byName.containsKey(other)
            && !other.equals(member.name())
            && !byName.get(other).isolated()) {
          Pair pair = Pair.of(member.name(), other);
          if (broken(pair, byName)) {
            pairs.add(pair);
          }
        }
      }
    }
    return pairs;
  }

  /**
   * A gateway both peers of the pair reach, and that reaches both; the least loaded, then by name.
   */
  private static Optional<String> choose(
      Pair pair, Map<String, Member> byName, Map<String, Integer> load) {
    return byName.values().stream()
        .filter(g -> canRelay(g, pair))
        .filter(
            g -> byName.get(pair.a()).reaches(g.name()) && byName.get(pair.b()).reaches(g.name()))
        .min(
            Comparator.comparing((Member g) -> load.getOrDefault(g.name(), 0))
                .thenComparing(Member::name))
        .map(Member::name);
  }

  private static boolean canRelay(Member gateway, Pair pair) {
    return gateway != null
        && gateway.gateway()
        && gateway.reports()
        && !gateway.name().equals(pair.a())
        && !gateway.name().equals(pair.b())
        && gateway.reaches(pair.a())
        && gateway.reaches(pair.b());
  }

  private static String why(Pair pair, Map<String, Member> byName) {
    List<String> gateways =
        byName.values().stream().filter(Member::gateway).map(Member::name).toList();
    if (gateways.isEmpty()) {
      return pair.a()
          + " and "
          + pair.b()
          + " have no direct path and the cluster has no gateway"
          + " peer to relay: add a peer with role gateway and a public address";
    }
    return pair.a()
        + " and "
        + pair.b()
        + " have no direct path and no gateway "
        + gateways
        + " reaches both";
  }

  private static Map<Pair, String> sorted(Map<Pair, String> relayed) {
    Map<Pair, String> sorted = new TreeMap<>(Comparator.comparing(Pair::a).thenComparing(Pair::b));
    sorted.putAll(relayed);
    return sorted;
  }
}
