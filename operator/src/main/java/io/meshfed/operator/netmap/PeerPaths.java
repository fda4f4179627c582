package io.meshfed.operator.netmap;

import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * How one peer reaches the others, as the relay planner decided and its peers observe it.
 *
 * @param relayedVia the peers it reaches through a gateway, and which gateway
 * @param unreachable the peers no gateway can relay to, and why
 * @param relaying the pairs of other peers it relays for (a gateway)
 * @param observedEndpoints where its peers see its packets come from
 */
public record PeerPaths(
    SortedMap<String, String> relayedVia,
    SortedMap<String, String> unreachable,
    int relaying,
    List<String> observedEndpoints) {
  public static final PeerPaths NONE =
      new PeerPaths(new TreeMap<>(), new TreeMap<>(), 0, List.of());

  public PeerPaths withObservedEndpoints(List<String> endpoints) {
    return new PeerPaths(relayedVia, unreachable, relaying, List.copyOf(endpoints));
  }
}
