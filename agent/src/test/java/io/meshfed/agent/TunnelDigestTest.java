package io.meshfed.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.api.agent.StatusReport.PeerHandshake;
import io.meshfed.api.agent.StatusReport.Tunnels;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TunnelDigestTest {
  static final long NOW = 1_800_000_000L;

  static WgDump.Peer peer(String key, String endpoint, long handshakeAgo) {
    return new WgDump.Peer(
        key, endpoint, Set.of(), handshakeAgo < 0 ? 0 : NOW - handshakeAgo, 10, 20, 25);
  }

  static List<String> keys(List<PeerHandshake> handshakes) {
    return handshakes.stream().map(PeerHandshake::publicKey).toList();
  }

  @Test
  void aWorkingTunnelIsCountedNotListedOnceItsEndpointWasTold() {
    TunnelDigest digest = new TunnelDigest(0);
    List<WgDump.Peer> peers =
        List.of(
            peer("ok", "198.18.0.2:51820", 30),
            peer("old", "198.18.0.3:51820", 400),
            peer("never", null, -1));
    var first = digest.digest(peers, Set.of("ok", "old", "never", "absent"), NOW);
    // the first report tells where the working one is seen from; the others need attention
    assertThat(keys(first.handshakes())).containsExactlyInAnyOrder("ok", "old", "never");
    assertThat(first.tunnels()).isEqualTo(new Tunnels(3, 1, 120, 400L, List.of("absent")));

    var second = digest.digest(peers, Set.of("ok", "old", "never"), NOW + 10);
    assertThat(keys(second.handshakes()))
        .as("the working tunnel is refreshed only when it is among the longest untold")
        .containsExactlyInAnyOrder("ok", "old", "never");

    // a changed endpoint is news at once
    var moved =
        digest.digest(
            List.of(peer("ok", "198.18.0.9:40000", 20), peer("old", "198.18.0.3:51820", 410)),
            Set.of("ok", "old"),
            NOW + 20);
    assertThat(moved.handshakes())
        .extracting(PeerHandshake::publicKey, PeerHandshake::endpoint)
        .contains(org.assertj.core.groups.Tuple.tuple("ok", "198.18.0.9:40000"));
    assertThat(moved.tunnels().unconfigured()).isNull();
  }

  /**
   * At fleet size a report lists a bounded number of working tunnels: at most {@value
   * TunnelDigest#NEWS_PER_REPORT} whose endpoint is news (the first reports after a map of N peers
   * would otherwise be O(N)), then the {@value TunnelDigest#REFRESH_PER_REPORT} told longest ago,
   * so that every endpoint is told, and then told again, in turn.
   */
  @Test
  void aLargeWorkingMeshReportsABoundedListAndTellsEveryEndpointInTurn() {
    TunnelDigest digest = new TunnelDigest(7);
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      keys.add("k" + i);
    }
    Set<String> news = new HashSet<>();
    int newsRounds = (1000 + TunnelDigest.NEWS_PER_REPORT - 1) / TunnelDigest.NEWS_PER_REPORT;
    for (int round = 0; round < newsRounds; round++) {
      long at = NOW + 10L * round;
      var report = digest.digest(workingMesh(at), keys, at);
      assertThat(report.handshakes())
          .hasSizeLessThanOrEqualTo(TunnelDigest.NEWS_PER_REPORT + TunnelDigest.REFRESH_PER_REPORT);
      assertThat(report.tunnels().recent())
          .as("news not told yet is still a working tunnel, counted")
          .isEqualTo(1000);
      news.addAll(keys(report.handshakes()));
    }
    assertThat(news).as("every endpoint told within N / news-per-report reports").isEqualTo(keys);
    Set<String> told = new HashSet<>();
    int rounds = 1000 / TunnelDigest.REFRESH_PER_REPORT + 1;
    for (int round = newsRounds; round <= newsRounds + rounds; round++) {
      long at = NOW + 10L * round;
      var report = digest.digest(workingMesh(at), keys, at);
      assertThat(report.handshakes()).hasSize(TunnelDigest.REFRESH_PER_REPORT);
      assertThat(report.tunnels().configured()).isEqualTo(1000);
      assertThat(report.tunnels().recent()).isEqualTo(1000);
      told.addAll(keys(report.handshakes()));
    }
    assertThat(told).as("every endpoint told again within N / refresh reports").isEqualTo(keys);
  }

  /**
   * Agents tell first sightings each in an order of its own: a fleet whose map just came tells the
   * operator of many peers in its first reports, not all of the same few. A moved endpoint goes
   * before any first sighting.
   */
  @Test
  void firstSightingsAreToldInEachAgentsOwnOrderAndAMoveGoesFirst() {
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      keys.add("k" + i);
    }
    Set<String> toldFirst = new HashSet<>();
    for (long agent = 0; agent < 10; agent++) {
      toldFirst.addAll(
          keys(new TunnelDigest(agent).digest(workingMesh(NOW), keys, NOW).handshakes()));
    }
    assertThat(toldFirst)
        .as("ten agents' first reports name far more than one report's worth of peers")
        .hasSizeGreaterThan(5 * TunnelDigest.NEWS_PER_REPORT);

    TunnelDigest digest = new TunnelDigest(1);
    digest.digest(workingMesh(NOW), keys, NOW); // k-something told, most not yet
    List<WgDump.Peer> later = new ArrayList<>(workingMesh(NOW + 10));
    String told = keys(digest.digest(workingMesh(NOW + 10), keys, NOW + 10).handshakes()).get(0);
    int index = Integer.parseInt(told.substring(1));
    later.set(index, new WgDump.Peer(told, "198.19.9.9:40000", Set.of(), NOW + 15, 10, 20, 25));
    var afterMove = digest.digest(later, keys, NOW + 20);
    assertThat(afterMove.handshakes().get(0))
        .extracting(PeerHandshake::publicKey, PeerHandshake::endpoint)
        .containsExactly(told, "198.19.9.9:40000");
  }

  /** 1 000 peers, each with a handshake 30 s before {@code at} (sessions renew). */
  static List<WgDump.Peer> workingMesh(long at) {
    List<WgDump.Peer> peers = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      String endpoint = "198.18." + (i / 250) + "." + (i % 250 + 1) + ":51820";
      peers.add(new WgDump.Peer("k" + i, endpoint, Set.of(), at - 30, 10, 20, 25));
    }
    return peers;
  }

  @Test
  void aPeerThatLeftTheInterfaceIsForgottenAndIsNewsWhenItComesBack() {
    TunnelDigest digest = new TunnelDigest(0);
    WgDump.Peer back = peer("k", "198.18.0.2:51820", 5);
    digest.digest(List.of(back), Set.of("k"), NOW);
    digest.digest(List.of(), Set.of(), NOW + 10);
    var again = digest.digest(List.of(back), Set.of("k"), NOW + 20);
    assertThat(keys(again.handshakes())).containsExactly("k");
  }
}
