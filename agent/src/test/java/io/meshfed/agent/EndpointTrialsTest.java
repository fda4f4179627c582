package io.meshfed.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.api.agent.MapPeer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Trying a peer's candidate endpoints until one answers. */
class EndpointTrialsTest {
  static final Instant T0 = Instant.parse("2026-12-04T12:00:00Z");
  static final MapPeer PEER =
      new MapPeer(
          "b",
          "kb",
          List.of("198.19.212.1:51820", "198.18.212.2:51820"),
          List.of("100.64.2.0/24"),
          null);

  static WgDump dump(String endpoint, long handshake, long tx) {
    return new WgDump(
        "ka",
        51820,
        Map.of(
            "kb", new WgDump.Peer("kb", endpoint, Set.of("100.64.2.0/24"), handshake, 0, tx, 0)));
  }

  @Test
  void unansweredAttemptsMoveToTheNextCandidateThenRoundAgainWaitingLonger() {
    EndpointTrials trials = new EndpointTrials();
    assertThat(trials.tick(dump("198.19.212.1:51820", 0, 148), List.of(PEER), null, T0))
        .as("starts timing")
        .isEmpty();
    assertThat(
            trials.tick(dump("198.19.212.1:51820", 0, 296), List.of(PEER), null, T0.plusSeconds(3)))
        .isEmpty();
    var next =
        trials.tick(dump("198.19.212.1:51820", 0, 444), List.of(PEER), null, T0.plusSeconds(7));
    assertThat(next)
        .extracting(PeerDiff.Change::args)
        .containsExactly(List.of("peer", "kb", "endpoint", "198.18.212.2:51820"));
    var round =
        trials.tick(dump("198.18.212.2:51820", 0, 600), List.of(PEER), null, T0.plusSeconds(14));
    assertThat(round)
        .extracting(PeerDiff.Change::args)
        .containsExactly(List.of("peer", "kb", "endpoint", "198.19.212.1:51820"));
    assertThat(
            trials.tick(
                dump("198.19.212.1:51820", 0, 800), List.of(PEER), null, T0.plusSeconds(21)))
        .as("the second round waits twice as long")
        .isEmpty();
    assertThat(
            trials.tick(
                dump("198.19.212.1:51820", 0, 900), List.of(PEER), null, T0.plusSeconds(27)))
        .hasSize(1);
  }

  @Test
  void aWorkingTunnelIsLeftAloneRoamedOrNot() {
    EndpointTrials trials = new EndpointTrials();
    long recent = T0.getEpochSecond() - 30;
    for (int s = 0; s < 60; s += 7) {
      assertThat(
              trials.tick(
                  dump("198.19.99.9:1234", recent, 1000 + s),
                  List.of(PEER),
                  null,
                  T0.plusSeconds(s)))
          .isEmpty();
    }
  }

  @Test
  void anIdlePeerIsNotProbed() {
    EndpointTrials trials = new EndpointTrials();
    for (int s = 0; s < 60; s += 7) {
      assertThat(
              trials.tick(
                  dump("198.19.212.1:51820", 0, 148), List.of(PEER), null, T0.plusSeconds(s)))
          .isEmpty();
    }
  }

  @Test
  void peersOfTheSameSiteAreTriedAtTheirOwnAddressFirst() {
    MapPeer sameSite =
        new MapPeer(
            "b",
            "kb",
            List.of("198.19.212.1:51820"),
            List.of(),
            null,
            "nat:198.19.212.1",
            List.of("198.18.212.2:51820"));
    WgDump none = new WgDump("ka", 51820, Map.of());
    assertThat(
            PeerDiff.between(none, List.of(sameSite), "nat:198.19.212.1", 25, T0.getEpochSecond()))
        .singleElement()
        .extracting(PeerDiff.Change::args)
        .asList()
        .containsSubsequence("endpoint", "198.18.212.2:51820")
        .containsSubsequence("persistent-keepalive", "25");
    assertThat(
            PeerDiff.between(none, List.of(sameSite), "nat:198.19.0.1", null, T0.getEpochSecond()))
        .singleElement()
        .extracting(PeerDiff.Change::args)
        .asList()
        .containsSubsequence("endpoint", "198.19.212.1:51820");
  }

  @Test
  void theMapDoesNotResetAnEndpointAWorkingTunnelLearnt() {
    WgDump roamed = dump("198.19.99.9:1234", T0.getEpochSecond() - 20, 500);
    assertThat(PeerDiff.between(roamed, List.of(PEER), null, null, T0.getEpochSecond())).isEmpty();
    WgDump stale = dump("198.19.99.9:1234", T0.getEpochSecond() - 400, 500);
    assertThat(PeerDiff.between(stale, List.of(PEER), null, null, T0.getEpochSecond()))
        .singleElement()
        .extracting(PeerDiff.Change::args)
        .asList()
        .containsSubsequence("endpoint", "198.19.212.1:51820");
  }
}
