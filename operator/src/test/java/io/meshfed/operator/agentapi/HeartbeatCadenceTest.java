package io.meshfed.operator.agentapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeartbeatCadenceTest {
  private static final HeartbeatCadence DEFAULTS =
      new HeartbeatCadence(Duration.ofSeconds(10), 20, Duration.ofSeconds(60), 10);

  @Test
  void smallFleetsKeepTheBaseIntervals() {
    assertThat(DEFAULTS.leaseRenewInterval(100)).isEqualTo(Duration.ofSeconds(10));
    assertThat(DEFAULTS.statusRefreshInterval(100)).isEqualTo(Duration.ofSeconds(60));
    assertThat(DEFAULTS.leaseDuration(100, Duration.ofSeconds(60)))
        .as("never shorter than the grace")
        .isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void writesPerSecondStayWithinTheBudgetAsTheFleetGrows() {
    for (int peers : new int[] {1_000, 5_000, 10_000, 50_000}) {
      double leaseWrites = peers / (DEFAULTS.leaseRenewInterval(peers).toMillis() / 1000.0);
      double statusWrites = peers / (DEFAULTS.statusRefreshInterval(peers).toMillis() / 1000.0);
      assertThat(leaseWrites).as("Lease writes/s at " + peers).isLessThanOrEqualTo(20.0);
      assertThat(statusWrites).as("status writes/s at " + peers).isLessThanOrEqualTo(10.0);
    }
    assertThat(DEFAULTS.leaseRenewInterval(10_000)).isEqualTo(Duration.ofSeconds(500));
    assertThat(DEFAULTS.leaseDuration(10_000, Duration.ofSeconds(60)))
        .as("a Lease outlives two renewals")
        .isEqualTo(Duration.ofSeconds(1000));
  }

  /**
   * A fleet that joined in one burst (all written within 40 s) and reports every 10 s: after the
   * first interval each peer is written once per interval, never later than the interval plus one
   * report, and the writes of any 10 s are within the budget (a slot per peer, not a wave).
   */
  @Test
  void aBurstOfJoinsSpreadsItsRefreshesEvenlyOverTheInterval() {
    int peers = 1_000;
    Duration interval = DEFAULTS.statusRefreshInterval(peers); // 100 s: 10 writes/s
    Instant start = Instant.parse("2026-12-05T00:00:00Z");
    Map<String, Instant> written = new HashMap<>();
    Map<String, Instant> reportsFrom = new HashMap<>();
    for (int i = 0; i < peers; i++) {
      String key = "default/agent-" + String.format("%04d", i);
      Instant joined = start.plusMillis(i * 40L); // 25 joins a second
      written.put(key, joined);
      reportsFrom.put(key, joined);
    }
    Map<Long, Integer> writesPerWindow = new HashMap<>();
    Map<String, Integer> writesPerPeer = new HashMap<>();
    Instant end = start.plus(interval.multipliedBy(4));
    for (Instant now = start; now.isBefore(end); now = now.plusMillis(100)) {
      for (Map.Entry<String, Instant> peer : reportsFrom.entrySet()) {
        long sinceFirst = Duration.between(peer.getValue(), now).toMillis();
        if (sinceFirst < 0 || sinceFirst % 10_000 >= 100) {
          continue; // reports every 10 s from its join
        }
        String key = peer.getKey();
        Instant last = written.get(key);
        assertThat(Duration.between(last, now))
            .as("age of " + key + "'s written heartbeat")
            .isLessThanOrEqualTo(interval.plusSeconds(10));
        if (HeartbeatCadence.due(key, last, now, interval)) {
          written.put(key, now);
          if (now.isAfter(start.plus(interval))) {
            writesPerWindow.merge(now.getEpochSecond() / 10, 1, Integer::sum);
            writesPerPeer.merge(key, 1, Integer::sum);
          }
        }
      }
    }
    assertThat(writesPerPeer).hasSize(peers);
    assertThat(writesPerPeer.values())
        .as("once per interval over the last three intervals")
        .allSatisfy(n -> assertThat(n).isBetween(2, 4));
    assertThat(writesPerWindow.values())
        .as("writes in a 10 s window: the budget is 100, the burst would be 250")
        .allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(150));
  }

  @Test
  void aWriteOlderThanTheIntervalIsAlwaysDueAndAFreshOneIsDueAtMostOncePerSlot() {
    Duration interval = Duration.ofSeconds(60);
    Instant last = Instant.parse("2026-12-05T00:00:00Z");
    for (int i = 0; i < 200; i++) {
      String key = "ns/p" + i;
      assertThat(HeartbeatCadence.due(key, last, last.plus(interval), interval)).isTrue();
      assertThat(HeartbeatCadence.due(key, last, last, interval)).isFalse();
      assertThat(HeartbeatCadence.due(key, null, last, interval)).isTrue();
      int dueMoments = 0;
      Instant written = last;
      for (int s = 1; s <= 60; s++) {
        Instant now = last.plusSeconds(s);
        if (HeartbeatCadence.due(key, written, now, interval)) {
          dueMoments++;
          written = now;
        }
      }
      assertThat(dueMoments).as(key).isEqualTo(1);
    }
  }
}
