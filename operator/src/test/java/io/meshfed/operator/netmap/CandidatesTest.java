package io.meshfed.operator.netmap;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.api.agent.MapPeer;
import io.meshfed.api.agent.StatusReport.PeerHandshake;
import io.meshfed.operator.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Candidate endpoints and their order, for each kind of place a peer can be. */
class CandidatesTest {
  static final List<String> LAN = List.of("198.18.211.2:51820");

  @Test
  void aCloudVmIsTriedAtItsPublicAddressFirstAndAtItsPrivateOneInItsOwnNetwork() {
    Candidates.Result vm =
        Candidates.of(new Candidates.Facts("203.0.113.7", 51820, LAN, List.of(), "aws/eu-west-1"));
    assertThat(vm.endpoints()).containsExactly("203.0.113.7:51820", "198.18.211.2:51820");
    assertThat(vm.site()).isEqualTo("aws/eu-west-1");
    assertThat(vm.siteEndpoints()).containsExactly("198.18.211.2:51820");
    assertThat(vm.keepalive()).as("reachable at its public address").isFalse();

    MapPeer entry =
        new MapPeer("vm", "k", vm.endpoints(), List.of(), null, vm.site(), vm.siteEndpoints());
    assertThat(entry.candidatesFor("aws/eu-west-1"))
        .containsExactly("198.18.211.2:51820", "203.0.113.7:51820");
    assertThat(entry.candidatesFor("gcp/europe-west1"))
        .containsExactly("203.0.113.7:51820", "198.18.211.2:51820");
    assertThat(entry.candidatesFor(null))
        .containsExactly("203.0.113.7:51820", "198.18.211.2:51820");
  }

  @Test
  void aHostBehindNatIsTriedWhereOthersSeeItAndKeepsItsNatOpen() {
    Candidates.Result home =
        Candidates.of(new Candidates.Facts(null, 51820, LAN, List.of("198.19.212.1:51820"), null));
    assertThat(home.endpoints()).containsExactly("198.19.212.1:51820", "198.18.211.2:51820");
    assertThat(home.site()).as("behind the NAT at 198.19.212.1").isEqualTo("nat:198.19.212.1");
    assertThat(home.keepalive()).isTrue();
  }

  @Test
  void twoHostsBehindOneNatAreOneSite() {
    Candidates.Result a =
        Candidates.of(
            new Candidates.Facts(
                null, 51820, List.of("198.18.214.2:51820"), List.of("198.19.214.1:51820"), null));
    Candidates.Result b =
        Candidates.of(
            new Candidates.Facts(
                null, 51820, List.of("198.18.214.3:51820"), List.of("198.19.214.1:40001"), null));
    assertThat(a.site()).isEqualTo(b.site());
    MapPeer bEntry =
        new MapPeer("b", "kb", b.endpoints(), List.of(), null, b.site(), b.siteEndpoints());
    assertThat(bEntry.candidatesFor(a.site())).first().isEqualTo("198.18.214.3:51820");
  }

  @Test
  void aHostSeenAtItsOwnAddressIsReachableAsItIsAndNeedsNoKeepalive() {
    Candidates.Result flat =
        Candidates.of(
            new Candidates.Facts(
                null, 51820, List.of("198.19.0.5:51820"), List.of("198.19.0.5:51820"), null));
    assertThat(flat.endpoints()).containsExactly("198.19.0.5:51820");
    assertThat(flat.site()).isNull();
    assertThat(flat.keepalive()).isFalse();
  }

  @Test
  void aHostNobodyHasSeenYetSendsKeepalivesSoThatSomeoneDoes() {
    Candidates.Result fresh =
        Candidates.of(new Candidates.Facts(null, 51820, LAN, List.of(), null));
    assertThat(fresh.endpoints()).containsExactly("198.18.211.2:51820");
    assertThat(fresh.site()).isNull();
    assertThat(fresh.keepalive()).isTrue();
  }

  @Test
  void observationsAreRecentStableAndOnlyFromRecentHandshakes() {
    ManualClock clock = new ManualClock(Instant.parse("2026-12-04T12:00:00Z"));
    ObservedEndpoints observed = new ObservedEndpoints(clock);
    AtomicInteger changes = new AtomicInteger();
    observed.onChange((cluster, key) -> changes.incrementAndGet());
    long now = clock.instant().getEpochSecond();
    observed.record(
        "ns",
        "mesh",
        List.of(
            new PeerHandshake("k1", now - 10, 1, 1, "198.19.212.1:51820"),
            new PeerHandshake("k2", now - 400, 1, 1, "198.19.213.1:51820"), // stale: says nothing
            new PeerHandshake("k3", 0, 0, 0, "198.19.0.9:51820"))); // never: the map's own
    assertThat(observed.of("ns", "mesh", "k1")).containsExactly("198.19.212.1:51820");
    assertThat(observed.of("ns", "mesh", "k2")).isEmpty();
    assertThat(observed.of("ns", "mesh", "k3")).isEmpty();
    assertThat(changes).hasValue(1);

    // seen again: no change; symmetric NAT, a new port per observer: the first few stay, in order
    observed.record(
        "ns", "mesh", List.of(new PeerHandshake("k1", now - 5, 1, 1, "198.19.212.1:51820")));
    assertThat(changes).hasValue(1);
    for (int port = 40000; port < 40005; port++) {
      clock.advance(Duration.ofSeconds(1));
      observed.record(
          "ns", "mesh", List.of(new PeerHandshake("k1", now - 5, 1, 1, "198.19.212.1:" + port)));
    }
    assertThat(observed.of("ns", "mesh", "k1"))
        .as("the first three seen, in address order")
        .containsExactly("198.19.212.1:40000", "198.19.212.1:40001", "198.19.212.1:51820");

    // nobody sees it for a while: forgotten
    clock.advance(Duration.ofMinutes(4));
    assertThat(observed.of("ns", "mesh", "k1")).isEmpty();
  }
}
