package io.meshfed.operator.agentapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.operator.testing.TestClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class FullMapWritesTest {
  final TestClock clock = new TestClock();
  final FullMapWrites gate = new FullMapWrites(2, 3, Duration.ofMinutes(1), clock);

  @Test
  void atMostTheLimitWriteAtOnceAndTheOthersGetTurnsInOrder() {
    List<CompletableFuture<FullMapWrites.Turn>> polls = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      polls.add(gate.turn().orElseThrow());
    }
    assertThat(polls)
        .extracting(CompletableFuture::isDone)
        .containsExactly(true, true, false, false, false);
    assertThat(gate.load()).containsExactly(2, 3);

    polls.get(0).join().done();
    polls.get(0).join().done(); // given back once only
    assertThat(polls)
        .extracting(CompletableFuture::isDone)
        .containsExactly(true, true, true, false, false);
    assertThat(gate.load()).containsExactly(2, 2);

    // a poll that ended while it waited gives up its place: the next one gets the turn
    polls.get(3).cancel(false);
    polls.get(1).join().done();
    assertThat(polls.get(4)).isDone();
    assertThat(gate.load()).containsExactly(2, 0);
    polls.get(2).join().done();
    polls.get(4).join().done();
    assertThat(gate.load()).containsExactly(0, 0);
    assertThat(gate.turn().orElseThrow()).isDone();
  }

  @Test
  void aTurnNeverGivenBackExpiresSoTheGateNeverShrinksForGood() {
    gate.turn();
    gate.turn(); // two writes that never end
    CompletableFuture<FullMapWrites.Turn> waiting = gate.turn().orElseThrow();
    assertThat(waiting).isNotDone();
    clock.advance(Duration.ofSeconds(61));
    assertThat(gate.load()).containsExactly(1, 0);
    assertThat(waiting).isDone();
  }

  /**
   * Past {@code maxWaiting} waiters a poll is told when to come back instead of waiting: it keeps
   * its connection, where a poll that outwaits its agent's timeout costs a new one.
   */
  @Test
  void pastTheWaitersAPollIsToldWhenToComeBack() {
    for (int i = 0; i < 5; i++) {
      assertThat(gate.turn()).as("two write, three wait").isPresent();
    }
    assertThat(gate.turn()).isEmpty();
    assertThat(gate.comeBackInSeconds()).isEqualTo(2); // 3 waiting, 2 at a time: one round ahead
    // a waiter that gave up makes room
    FullMapWrites one = new FullMapWrites(1, 1, Duration.ofMinutes(1), clock);
    one.turn();
    CompletableFuture<FullMapWrites.Turn> waits = one.turn().orElseThrow();
    assertThat(one.turn()).isEmpty();
    waits.cancel(false);
    assertThat(one.turn()).isPresent();
  }
}
