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
    TunnelDigest digest = new TunnelDigest();
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
   * At fleet size a report lists a bounded number of working tunnels: the ones whose endpoint is
   * news, then the {@value TunnelDigest#REFRESH_PER_REPORT} told longest ago, so that every
   * endpoint is told again in turn.
   */
  @Test
  void aLargeWorkingMeshReportsABoundedListAndTellsEveryEndpointInTurn() {
    TunnelDigest digest = new TunnelDigest();
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      keys.add("k" + i);
    }
    assertThat(digest.digest(workingMesh(NOW), keys, NOW).handshakes()).hasSize(1000); // news
    Set<String> told = new HashSet<>();
    int rounds = 1000 / TunnelDigest.REFRESH_PER_REPORT + 1;
    for (int round = 1; round <= rounds; round++) {
      long at = NOW + 10L * round;
      var report = digest.digest(workingMesh(at), keys, at);
      assertThat(report.handshakes()).hasSize(TunnelDigest.REFRESH_PER_REPORT);
      assertThat(report.tunnels().configured()).isEqualTo(1000);
      assertThat(report.tunnels().recent()).isEqualTo(1000);
      told.addAll(keys(report.handshakes()));
    }
    assertThat(told).as("every endpoint told again within N / refresh reports").isEqualTo(keys);
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
    TunnelDigest digest = new TunnelDigest();
    WgDump.Peer back = peer("k", "198.18.0.2:51820", 5);
    digest.digest(List.of(back), Set.of("k"), NOW);
    digest.digest(List.of(), Set.of(), NOW + 10);
    var again = digest.digest(List.of(back), Set.of("k"), NOW + 20);
    assertThat(keys(again.handshakes())).containsExactly("k");
  }
}
