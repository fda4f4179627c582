package io.meshfed.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.api.agent.MapPeer;
import io.meshfed.api.agent.NetMap;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeerDiffTest {
  static final String DUMP =
      String.join(
          "\n",
          "cHJpdmF0ZQ==\tUFVCTElD\t51820\toff",
          "A=\t(none)\t198.18.0.3:51820\t100.64.1.0/24\t1795316385\t124\t180\t15",
          "B=\t(none)\t203.0.113.9:40000\t100.64.2.0/24\t0\t0\t0\toff",
          "");

  @Test
  void parsesTheInterfaceAndItsPeers() {
    WgDump dump = WgDump.parse(DUMP);
    assertThat(dump.publicKey()).isEqualTo("UFVCTElD");
    assertThat(dump.listenPort()).isEqualTo(51820);
    assertThat(dump.peers().get("A="))
        .satisfies(
            p -> {
              assertThat(p.endpoint()).isEqualTo("198.18.0.3:51820");
              assertThat(p.allowedIps()).containsExactly("100.64.1.0/24");
              assertThat(p.latestHandshake()).isEqualTo(1795316385L);
              assertThat(p.rxBytes()).isEqualTo(124);
              assertThat(p.keepalive()).isEqualTo(15);
            });
    assertThat(dump.peers().get("B=").keepalive()).isZero();
  }

  @Test
  void aMatchingInterfaceNeedsNoChange() {
    var wanted =
        List.of(
            new MapPeer("a", "A=", List.of("198.18.0.3:51820"), List.of("100.64.1.0/24"), 15),
            // B roamed to another port than its candidates: left alone while it is still a
            // candidate
            new MapPeer(
                "b",
                "B=",
                List.of("10.0.0.1:51820", "203.0.113.9:40000"),
                List.of("100.64.2.0/24"),
                null));
    assertThat(PeerDiff.between(WgDump.parse(DUMP), wanted)).isEmpty();
  }

  @Test
  void changesOnlyWhatDiffersAndRemovesPeersOffTheMap() {
    var wanted =
        List.of(
            new MapPeer(
                "a",
                "A=",
                List.of("198.18.0.3:51820"),
                List.of("100.64.1.0/24", "100.64.9.0/24"),
                15),
            new MapPeer("c", "C=", List.of("198.18.0.9:51820"), List.of("100.64.3.0/24"), 25));
    var changes = PeerDiff.between(WgDump.parse(DUMP), wanted);
    assertThat(changes)
        .extracting(PeerDiff.Change::args)
        .containsExactly(
            List.of("peer", "A=", "allowed-ips", "100.64.1.0/24,100.64.9.0/24"),
            List.of(
                "peer",
                "C=",
                "endpoint",
                "198.18.0.9:51820",
                "allowed-ips",
                "100.64.3.0/24",
                "persistent-keepalive",
                "25"),
            List.of("peer", "B=", "remove"));
  }

  @Test
  void deltasApplyOnTopOfTheFullMap() {
    MeshView view =
        MeshView.of(
            new NetMap(
                "e.1",
                true,
                null,
                List.of(
                    new MapPeer("a", "A=", List.of(), List.of("100.64.1.0/24"), null),
                    new MapPeer("b", "B=", List.of(), List.of("100.64.2.0/24"), null)),
                null));
    boolean changed =
        view.apply(
            new NetMap(
                "e.2",
                false,
                null,
                List.of(new MapPeer("c", "C=", List.of(), List.of("100.64.3.0/24"), null)),
                List.of("a")));
    assertThat(changed).isTrue();
    assertThat(view.version()).isEqualTo("e.2");
    assertThat(view.peers()).extracting(MapPeer::name).containsExactly("b", "c");
    assertThat(view.apply(new NetMap("e.3", false, null, List.of(), null))).isFalse();
    // a full map replaces everything
    view.apply(
        new NetMap(
            "f.1", true, null, List.of(new MapPeer("z", "Z=", List.of(), List.of(), null)), null));
    assertThat(view.peers()).extracting(MapPeer::name).containsExactly("z");
  }
}
