package io.meshfed.operator.agentapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.api.agent.MapPeer;
import io.meshfed.api.agent.StatusReport.PeerHandshake;
import io.meshfed.operator.netmap.MapLog;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DataPlaneHealthTest {
  static final Instant NOW = Instant.parse("2026-11-22T04:00:00Z");

  static Map<String, MapLog.Member> expected(int count, Instant since) {
    Map<String, MapLog.Member> expected = new LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      String name = "p" + i;
      expected.put(
          "key" + i,
          new MapLog.Member(new MapPeer(name, "key" + i, List.of(), List.of(), null), since));
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
                    new MapPeer("fast", "k", List.of(), List.of(), 5), NOW.minusSeconds(16)),
            "s",
                new MapLog.Member(
                    new MapPeer("slow", "s", List.of(), List.of(), null), NOW.minusSeconds(16)));
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
            expected(3, NOW.minusSeconds(3600)),
            member -> true,
            NOW.minusSeconds(5),
            List.of(),
            NOW,
            Duration.ofMinutes(3),
            Duration.ofSeconds(60));
    assertThat(first.missing()).isEmpty();
    assertThat(first.health().healthy()).isTrue();
    Health.Observation later =
        Health.observe(
            expected(3, NOW.minusSeconds(3600)),
            member -> true,
            NOW.minusSeconds(61),
            List.of(),
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
        "key3", new MapLog.Member(new MapPeer("p3", "key3", List.of(), List.of(), null), NOW));
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
}
