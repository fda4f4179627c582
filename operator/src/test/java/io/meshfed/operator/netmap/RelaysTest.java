package io.meshfed.operator.netmap;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.operator.netmap.Relays.Member;
import io.meshfed.operator.netmap.Relays.Pair;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Relay choice, stickiness and the way back to direct. */
class RelaysTest {
  static final Instant T0 = Instant.parse("2026-12-04T12:00:00Z");

  static Member nat(String name, String... missing) {
    return new Member(name, false, true, Set.of(missing));
  }

  static Member gateway(String name, String... missing) {
    return new Member(name, true, false, Set.of(missing));
  }

  @Test
  void aPairBrokenLongEnoughGoesThroughAGatewayBothReach() {
    List<Member> members = List.of(nat("a", "b"), nat("b", "a"), gateway("gw"));
    Relays.State soon = Relays.decide(Relays.State.NONE, members, T0);
    assertThat(soon.relayed()).as("not yet: a new pair gets its chance").isEmpty();
    Relays.State later = Relays.decide(soon, members, T0.plus(Relays.BROKEN_FOR));
    assertThat(later.relayed()).containsExactly(Map.entry(Pair.of("a", "b"), "gw"));
    assertThat(Relays.routes(later))
        .isEqualTo(Map.of("a", Map.of("b", "gw"), "b", Map.of("a", "gw")));
  }

  @Test
  void withoutAGatewayThePairIsUnreachableAndSaysWhatToDo() {
    List<Member> members = List.of(nat("a", "b"), nat("b", "a"));
    Relays.State state = Relays.decide(Relays.State.NONE, members, T0);
    state = Relays.decide(state, members, T0.plus(Relays.BROKEN_FOR));
    assertThat(state.relayed()).isEmpty();
    assertThat(state.unreachable().get(Pair.of("a", "b")))
        .isEqualTo(
            "a and b have no direct path and the cluster has no gateway peer to relay:"
                + " add a peer with role gateway and a public address");
  }

  @Test
  void aGatewayThatDoesNotReachBothIsNoRelay() {
    List<Member> members = List.of(nat("a", "b", "gw"), nat("b", "a"), gateway("gw", "a"));
    Relays.State state = Relays.decide(Relays.State.NONE, members, T0);
    state = Relays.decide(state, members, T0.plus(Relays.BROKEN_FOR));
    assertThat(state.relayed()).isEmpty();
    assertThat(state.unreachable().get(Pair.of("a", "b"))).contains("no gateway [gw] reaches both");
  }

  @Test
  void theLeastLoadedGatewayRelaysAndARelayIsSticky() {
    List<Member> members =
        List.of(nat("a", "b", "c"), nat("b", "a"), nat("c", "a"), gateway("gw1"), gateway("gw2"));
    Relays.State state = Relays.decide(Relays.State.NONE, members, T0);
    state = Relays.decide(state, members, T0.plus(Relays.BROKEN_FOR));
    assertThat(state.relayed())
        .containsEntry(Pair.of("a", "b"), "gw1")
        .containsEntry(Pair.of("a", "c"), "gw2");
    // a third gateway, unloaded, appears: nobody moves
    List<Member> more =
        List.of(
            members.get(0),
            members.get(1),
            members.get(2),
            members.get(3),
            members.get(4),
            gateway("gw0"));
    Relays.State after = Relays.decide(state, more, T0.plusSeconds(60));
    assertThat(after.relayed()).isEqualTo(state.relayed());
  }

  @Test
  void aRelayThatStopsReachingAPeerIsReplaced() {
    List<Member> members = List.of(nat("a", "b"), nat("b", "a"), gateway("gw1"), gateway("gw2"));
    Relays.State state = Relays.decide(Relays.State.NONE, members, T0);
    state = Relays.decide(state, members, T0.plus(Relays.BROKEN_FOR));
    assertThat(state.relayed()).containsEntry(Pair.of("a", "b"), "gw1");
    List<Member> gw1Lost =
        List.of(nat("a", "b", "gw1"), nat("b", "a"), gateway("gw1", "a"), gateway("gw2"));
    assertThat(Relays.decide(state, gw1Lost, T0.plusSeconds(40)).relayed())
        .containsEntry(Pair.of("a", "b"), "gw2");
  }

  @Test
  void aRelayedPairGoesBackToDirectOnlyAfterItsDirectHandshakesLast() {
    List<Member> broken = List.of(nat("a", "b"), nat("b", "a"), gateway("gw"));
    Relays.State state = Relays.decide(Relays.State.NONE, broken, T0);
    state = Relays.decide(state, broken, T0.plus(Relays.BROKEN_FOR));
    List<Member> direct = List.of(nat("a"), nat("b"), gateway("gw"));
    Instant t = T0.plusSeconds(60);
    state = Relays.decide(state, direct, t);
    assertThat(state.relayed()).as("not at the first direct handshake").isNotEmpty();
    // a blip: broken again, then direct again: the clock starts over
    state = Relays.decide(state, broken, t.plusSeconds(10));
    state = Relays.decide(state, direct, t.plusSeconds(20));
    state = Relays.decide(state, direct, t.plusSeconds(20).plus(Relays.DIRECT_FOR).minusSeconds(1));
    assertThat(state.relayed()).isNotEmpty();
    state = Relays.decide(state, direct, t.plusSeconds(20).plus(Relays.DIRECT_FOR));
    assertThat(state.relayed()).isEmpty();
  }

  @Test
  void anIdlePairOfPeersThatDoNotProbeIsNotBroken() {
    List<Member> idle =
        List.of(
            new Member("a", false, false, Set.of("b")),
            new Member("b", false, false, Set.of("a")),
            gateway("gw"));
    Relays.State state = Relays.decide(Relays.State.NONE, idle, T0);
    state = Relays.decide(state, idle, T0.plusSeconds(600));
    assertThat(state.relayed()).isEmpty();
    assertThat(state.unreachable()).isEmpty();
  }

  @Test
  void aPeerThatLeavesTakesItsRelaysWithIt() {
    List<Member> members = List.of(nat("a", "b"), nat("b", "a"), gateway("gw"));
    Relays.State state = Relays.decide(Relays.State.NONE, members, T0);
    state = Relays.decide(state, members, T0.plus(Relays.BROKEN_FOR));
    assertThat(Relays.decide(state, List.of(nat("a"), gateway("gw")), T0.plusSeconds(30)).relayed())
        .isEmpty();
  }

  /**
   * A fleet whose agents wait for their first maps: each isolated peer is its own problem, not N
   * pairs' — nothing is planned or clocked for its pairs — while a pair of peers that reach others
   * is still relayed, and a peer that leaves isolation is planned for again.
   */
  @Test
  void anIsolatedPeerIsOnePeersProblemNotNPairs() {
    List<String> names = new java.util.ArrayList<>();
    for (int i = 0; i < 40; i++) {
      names.add("p" + i);
    }
    List<Member> members = new java.util.ArrayList<>();
    for (String name : names) {
      members.add(new Member(name, false, true, Set.of(), true)); // reaches none of 40
    }
    members.add(gateway("gw", names.toArray(String[]::new)));
    Relays.State state = Relays.decide(Relays.State.NONE, members, T0);
    state = Relays.decide(state, members, T0.plus(Relays.BROKEN_FOR));
    assertThat(state).isEqualTo(new Relays.State(Map.of(), Map.of(), Map.of(), Map.of()));

    // two of them now reach the gateway but not each other: their pair is relayed as before; the
    // others stay out of the plan
    List<Member> later = new java.util.ArrayList<>(members.subList(2, 40));
    later.add(nat("p0", "p1"));
    later.add(nat("p1", "p0"));
    later.add(gateway("gw", names.subList(2, 40).toArray(String[]::new)));
    Relays.State relayed = Relays.decide(state, later, T0.plusSeconds(60));
    relayed = Relays.decide(relayed, later, T0.plusSeconds(60).plus(Relays.BROKEN_FOR));
    assertThat(relayed.relayed()).containsExactly(Map.entry(Pair.of("p0", "p1"), "gw"));
    assertThat(relayed.brokenSince()).isEmpty();
    assertThat(relayed.unreachable()).isEmpty();
  }
}
