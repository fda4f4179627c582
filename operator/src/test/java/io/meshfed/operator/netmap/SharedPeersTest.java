package io.meshfed.operator.netmap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import io.meshfed.api.agent.MapPeer;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class SharedPeersTest {
  static MapPeer peer(String name) {
    return new MapPeer(
        name, "key-" + name, List.of("198.18.0.1:51820"), List.of("100.64.1.0/24"), 25);
  }

  static List<MapPeer> without(SharedPeers shared, String name) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    shared.writeExcluding(name, out);
    return SharedPeers.JSON.readValue(out.toByteArray(), new TypeReference<List<MapPeer>>() {});
  }

  @Test
  void eachAgentsCopyLeavesOutItsOwnEntryWhereverItIs() throws Exception {
    SharedPeers shared = SharedPeers.of(List.of(peer("a"), peer("b"), peer("c")));
    assertThat(without(shared, "a")).containsExactly(peer("b"), peer("c"));
    assertThat(without(shared, "b")).containsExactly(peer("a"), peer("c"));
    assertThat(without(shared, "c")).containsExactly(peer("a"), peer("b"));
    assertThat(without(shared, "not-in-it")).containsExactly(peer("a"), peer("b"), peer("c"));
  }

  @Test
  void theOnlyPeerGetsAnEmptyListAndAnEmptyMeshIsAnEmptyList() throws Exception {
    assertThat(without(SharedPeers.of(List.of(peer("a"))), "a")).isEmpty();
    assertThat(without(SharedPeers.of(List.of()), "a")).isEmpty();
  }
}
