package io.meshfed.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.api.agent.MapPeer;
import io.meshfed.api.agent.NetMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** A peer reached through a relay: its subnet goes to the gateway's entry, its own entry stays. */
class MeshViewRelaysTest {
  static final MapPeer GW =
      new MapPeer("gw", "kg", List.of("198.19.0.2:51820"), List.of("100.64.0.0/24"), null);
  static final MapPeer B =
      new MapPeer("b", "kb", List.of("198.19.216.1:40000"), List.of("100.64.2.0/24"), null);

  static Map<String, List<String>> allowed(MeshView view) {
    return view.peers().stream().collect(Collectors.toMap(MapPeer::name, MapPeer::allowedIPs));
  }

  @Test
  void relayedSubnetsGoToTheGatewayAndComeBackWhenTheRelayGoes() {
    MeshView view = new MeshView();
    view.apply(new NetMap("v.1", true, null, List.of(GW, B), null, List.of(), List.of(), Map.of()));
    assertThat(allowed(view)).containsEntry("b", List.of("100.64.2.0/24"));

    assertThat(
            view.apply(
                new NetMap("v.2", false, null, List.of(), null, null, null, Map.of("b", "gw"))))
        .as("a change of relays is a change of peers")
        .isTrue();
    assertThat(allowed(view))
        .containsEntry("gw", List.of("100.64.0.0/24", "100.64.2.0/24"))
        .containsEntry("b", List.of());
    assertThat(view.peers())
        .filteredOn(p -> p.name().equals("b"))
        .singleElement()
        .extracting(MapPeer::endpoints)
        .as("still probed directly")
        .isEqualTo(B.endpoints());

    assertThat(view.apply(new NetMap("v.3", false, null, List.of(), null, null, null, null)))
        .as("null: unchanged")
        .isFalse();
    view.apply(new NetMap("v.4", false, null, List.of(), null, null, null, Map.of()));
    assertThat(allowed(view))
        .containsEntry("b", List.of("100.64.2.0/24"))
        .containsEntry("gw", List.of("100.64.0.0/24"));
  }

  @Test
  void aRelayThroughAGatewayNotOnTheMapIsIgnored() {
    MeshView view = new MeshView();
    view.apply(
        new NetMap("v.1", true, null, List.of(B), null, List.of(), List.of(), Map.of("b", "gw")));
    assertThat(allowed(view)).containsEntry("b", List.of("100.64.2.0/24"));
  }

  @Test
  void theRelaysSurviveTheStateFile() {
    MeshView view = new MeshView();
    view.apply(
        new NetMap(
            "v.1", true, null, List.of(GW, B), null, List.of(), List.of(), Map.of("b", "gw")));
    assertThat(MeshView.of(view.snapshot()).relays()).isEqualTo(Map.of("b", "gw"));
  }
}
