package io.meshfed.operator.agentapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.api.agent.MapPeer;
import io.meshfed.api.agent.StatusReport.PeerHandshake;
import io.meshfed.api.agent.StatusReport.Tunnels;
import io.meshfed.operator.netmap.MapLog;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class DataPlaneHealthTest {
  static final Instant NOW = Instant.parse("2026-11-22T04:00:00Z");

  static Map<String, MapLog.Member> expected(int count, Instant since) {
    Map<String, MapLog.Member> expected = new LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      String name = "p" + i;
      expected.put(
          "key" + i,
          new MapLog.Member(new MapPeer(name, "key" + i, List.of(), List.of(), null), since, 1));
    }
    return expected;
  }

  @Test
  void countsEveryMissingPeerButNamesOnlyASample() {
    List<PeerHandshake> handshakes =
        List.of(
            new PeerHandshake("key0", NOW.minusSeconds(10).getEpochSecond(), 1, 1),
            new PeerHandshake("key1", NOW.minusSeconds(600).getEpochSecond(), 1, 1));
    Health health =
        Health.of(
            expected(8, NOW.minusSeconds(3600)),
            handshakes,
            NOW,
            Duration.ofMinutes(3),
            Duration.ofSeconds(60));
    assertThat(health.expected()).isEqualTo(8);
    assertThat(health.configured()).isEqualTo(2);
    assertThat(health.recent()).isEqualTo(1);
    assertThat(health.missingCount()).isEqualTo(7);
    assertThat(health.missing()).containsExactly("p1", "p2", "p3", "p4", "p5");
    assertThat(health.describeMissing()).isEqualTo("p1, p2, p3, p4, p5 and 2 more");
    assertThat(health.unconfiguredCount()).isEqualTo(6);
    assertThat(health.describeUnconfigured()).isEqualTo("p2, p3, p4, p5, p6 and 1 more");
    assertThat(health.healthy()).isFalse();
  }

  @Test
  void withAPersistentKeepaliveATunnelSettlesInTwoKeepalives() {
    Map<String, MapLog.Member> expected =
        Map.of(
            "k",
                new MapLog.Member(
                    new MapPeer("fast", "k", List.of(), List.of(), 5), NOW.minusSeconds(16), 1),
            "s",
                new MapLog.Member(
                    new MapPeer("slow", "s", List.of(), List.of(), null), NOW.minusSeconds(16), 1));
    Health health =
        Health.of(expected, List.of(), NOW, Duration.ofMinutes(3), Duration.ofSeconds(60));
    // 16 s in the map: past 2 × 5 s + 5 s for the one with a keepalive, within 60 s for the other
    assertThat(health.missing()).containsExactly("fast");
  }

  @Test
  void peersNewToTheMapAreNeitherMissingNorUnconfiguredBeforeTheirSettleTime() {
    Health fresh =
        Health.of(
            expected(2, NOW.minusSeconds(5)),
            List.of(),
            NOW,
            Duration.ofMinutes(3),
            Duration.ofSeconds(60));
    assertThat(fresh.missingCount()).isZero();
    assertThat(fresh.healthy()).isTrue();
    // the report may predate the map that brought them
    assertThat(fresh.meshConfigured()).isTrue();
    Health settled =
        Health.of(
            expected(2, NOW.minusSeconds(61)),
            List.of(),
            NOW,
            Duration.ofMinutes(3),
            Duration.ofSeconds(60));
    assertThat(settled.meshConfigured()).isFalse();
    assertThat(settled.describeUnconfigured()).isEqualTo("p0, p1");
  }

  @Test
  void aNewPeersFirstReportsCountNoOneMissing() {
    // the others have been on the map for an hour; this peer joined 5 s ago and has no
    // handshakes yet: every one of its tunnels is 5 s old
    Health.Observation first =
        Health.observe(
            MapLog.Members.of(expected(3, NOW.minusSeconds(3600))),
            Set.of(),
            NOW.minusSeconds(5),
            Health.Reported.every(List.of()),
            NOW,
            Duration.ofMinutes(3),
            Duration.ofSeconds(60));
    assertThat(first.missing()).isEmpty();
    assertThat(first.health().healthy()).isTrue();
    Health.Observation later =
        Health.observe(
            MapLog.Members.of(expected(3, NOW.minusSeconds(3600))),
            Set.of(),
            NOW.minusSeconds(61),
            Health.Reported.every(List.of()),
            NOW,
            Duration.ofMinutes(3),
            Duration.ofSeconds(60));
    assertThat(later.missing()).containsExactlyInAnyOrder("p0", "p1", "p2");
  }

  @Test
  void aPeerJoiningElsewhereChangesTheCountsButNotTheVerdict() {
    Instant longAgo = NOW.minusSeconds(3600);
    List<PeerHandshake> withThree = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      withThree.add(new PeerHandshake("key" + i, NOW.minusSeconds(10).getEpochSecond(), 1, 1));
    }
    Health before =
        Health.of(
            expected(3, longAgo), withThree, NOW, Duration.ofMinutes(3), Duration.ofSeconds(60));
    Map<String, MapLog.Member> afterJoin = expected(3, longAgo);
    afterJoin.put(
        "key3", new MapLog.Member(new MapPeer("p3", "key3", List.of(), List.of(), null), NOW, 2));
    Health after =
        Health.of(afterJoin, withThree, NOW, Duration.ofMinutes(3), Duration.ofSeconds(60));
    assertThat(after.expected()).isEqualTo(before.expected() + 1);
    assertThat(AgentReports.sameVerdict(before, after)).isTrue();

    Health broken =
        Health.of(
            expected(3, longAgo),
            withThree.subList(0, 2),
            NOW,
            Duration.ofMinutes(3),
            Duration.ofSeconds(60));
    assertThat(AgentReports.sameVerdict(before, broken)).isFalse();
  }

  /**
   * A compact report (working tunnels counted, not listed) says the same as the full list of the
   * same interface: for random interfaces — peers with a recent, an old or no handshake, peers the
   * interface lacks, peers newer than the agent's map — both give equal health.
   */
  @Test
  void aCompactReportSaysWhatTheFullListSays() {
    for (long seed = 0; seed < 200; seed++) {
      java.util.Random random = new java.util.Random(seed);
      int size = 1 + random.nextInt(40);
      Map<String, MapLog.Member> members = new LinkedHashMap<>();
      List<PeerHandshake> every = new java.util.ArrayList<>();
      List<PeerHandshake> listed = new java.util.ArrayList<>();
      List<String> unconfigured = new java.util.ArrayList<>();
      int recent = 0;
      long agentsVersion = 10;
      for (int i = 0; i < size; i++) {
        String key = "key" + i;
        long version = random.nextInt(5) == 0 ? agentsVersion + 1 : agentsVersion;
        Instant since = NOW.minusSeconds(random.nextBoolean() ? 3600 : 20);
        members.put(
            key,
            new MapLog.Member(
                new MapPeer("p" + i, key, List.of(), List.of(), null), since, version));
        if (version > agentsVersion) {
          continue; // its map does not have it: nor does its interface
        }
        switch (random.nextInt(4)) {
          case 0 -> unconfigured.add(key); // in its map, not on its interface
          case 1 -> { // working: counted, not listed
            PeerHandshake h = new PeerHandshake(key, NOW.minusSeconds(30).getEpochSecond(), 1, 1);
            every.add(h);
            recent++;
          }
          default -> { // old or never: listed
            PeerHandshake h =
                new PeerHandshake(
                    key, random.nextBoolean() ? 0 : NOW.minusSeconds(400).getEpochSecond(), 1, 1);
            every.add(h);
            listed.add(h);
          }
        }
      }
      var compact =
          new Health.Reported(
              listed,
              new Tunnels(
                  every.size(),
                  recent,
                  120,
                  every.stream()
                      .filter(h -> h.lastHandshakeEpochSeconds() > 0)
                      .map(h -> NOW.getEpochSecond() - h.lastHandshakeEpochSeconds())
                      .max(Long::compare)
                      .orElse(null),
                  unconfigured),
              agentsVersion);
      Health fromList =
          Health.observe(
                  MapLog.Members.of(members),
                  Set.of(),
                  Instant.MIN,
                  Health.Reported.every(every),
                  NOW,
                  Duration.ofMinutes(3),
                  Duration.ofSeconds(60))
              .health();
      Health fromCompact =
          Health.observe(
                  MapLog.Members.of(members),
                  Set.of(),
                  Instant.MIN,
                  compact,
                  NOW,
                  Duration.ofMinutes(3),
                  Duration.ofSeconds(60))
              .health();
      assertThat(fromCompact).as("seed " + seed).isEqualTo(fromList);
    }
  }

  @Test
  void aCompactReportOfAnEmptyInterfaceCountsNoOneWorking() {
    // an agent before its first map: no peers on its interface, none listed
    Health health =
        Health.observe(
                MapLog.Members.of(expected(3, NOW.minusSeconds(3600))),
                Set.of(),
                Instant.MIN,
                new Health.Reported(
                    List.of(), new Tunnels(0, 0, 120, null, null), Health.Reported.HELD_NONE),
                NOW,
                Duration.ofMinutes(3),
                Duration.ofSeconds(60))
            .health();
    assertThat(health.missingCount()).isEqualTo(3);
    assertThat(health.unconfiguredCount()).isEqualTo(3);
  }

  /**
   * A report's health is counted from what it lists, names off its interface, the members its map
   * lacks and those that joined recently, without looking at the rest: for random maps (members
   * settled or new, with and without keepalives, some whose key is newer than the agent's map),
   * random exclusions (itself, relayed peers, names not on the map), random reports (listed
   * handshakes fresh, old, never, or of keys not on the map; unconfigured keys; nothing on the
   * interface yet; every peer listed), and reporters new or old, it says exactly what checking
   * every member says.
   */
  @Test
  void countingTheUnlistedSaysWhatCheckingEveryMemberSays() {
    for (long seed = 0; seed < 2000; seed++) {
      java.util.Random random = new java.util.Random(seed);
      int size = random.nextInt(30);
      Map<String, MapLog.Member> members = new LinkedHashMap<>();
      for (int i = 0; i < size; i++) {
        String key = "key" + i;
        members.put(
            key,
            new MapLog.Member(
                new MapPeer("p" + i, key, List.of(), List.of(), random.nextBoolean() ? null : 5),
                NOW.minusSeconds(random.nextBoolean() ? 3600 : random.nextInt(90)),
                1 + random.nextInt(6)));
      }
      Set<String> notExpected = new java.util.HashSet<>();
      for (int i = random.nextInt(4); i > 0; i--) {
        notExpected.add("p" + random.nextInt(size + 3)); // some not on the map
      }
      List<PeerHandshake> listed = new java.util.ArrayList<>();
      List<String> unconfigured = new java.util.ArrayList<>();
      for (int i = random.nextInt(12); i > 0; i--) {
        String key = "key" + random.nextInt(size + 3);
        if (random.nextInt(3) == 0) {
          unconfigured.add(key);
        } else {
          long at =
              switch (random.nextInt(3)) {
                case 0 -> 0;
                case 1 -> NOW.minusSeconds(30).getEpochSecond();
                default -> NOW.minusSeconds(400).getEpochSecond();
              };
          listed.add(new PeerHandshake(key, at, 1, 1));
        }
      }
      long heldUpTo =
          switch (random.nextInt(4)) {
            case 0 -> Health.Reported.HELD_ALL;
            case 1 -> Health.Reported.HELD_NONE;
            default -> random.nextInt(7);
          };
      // a quarter before their first map (nothing on the interface), a few listing every peer
      Tunnels tunnels =
          random.nextInt(8) == 0
              ? null
              : new Tunnels(
                  random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(40),
                  0,
                  120,
                  random.nextBoolean() ? null : 200L,
                  unconfigured.isEmpty() ? null : unconfigured);
      var reported = new Health.Reported(listed, tunnels, heldUpTo);
      Instant selfSince = NOW.minusSeconds(random.nextBoolean() ? 3600 : random.nextInt(90));
      var map = MapLog.Members.of(members);
      Function<Health.Counting, Health.Observation> observed =
          counting ->
              Health.observe(
                  map,
                  notExpected,
                  selfSince,
                  reported,
                  NOW,
                  Duration.ofMinutes(3),
                  Duration.ofSeconds(60),
                  counting);
      Health.Observation counted = observed.apply(Health.Counting.IN_BULK);
      Health.Observation checked = observed.apply(Health.Counting.EACH_MEMBER);
      assertThat(counted.health()).as("seed " + seed).isEqualTo(checked.health());
      assertThat(counted.missing())
          .as("seed " + seed)
          .hasSameSizeAs(checked.missing())
          .containsExactlyInAnyOrderElementsOf(checked.missing());
      assertThat(Set.copyOf(counted.missing())).hasSize(checked.missing().size());
    }
  }
}
