package io.meshfed.operator.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.operator.support.EventRecorder.Transition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventRecorderTest {
  @Test
  void aNewConditionOrAMovedStatusOrReasonIsATransitionAndFalseIsAWarning() {
    List<Condition> before =
        List.of(
            condition("Provisioned", "True", "MachineRunning", "i-123 is running"),
            condition("Ready", "True", "PeerReady", "heartbeat 2s ago"),
            condition("Healthy", "False", "HandshakesMissing", "no handshake with a"));
    List<Condition> after =
        List.of(
            condition(
                "Provisioned", "True", "MachineRunning", "i-123 is running (message moved only)"),
            condition("Ready", "False", "HeartbeatMissed", "no heartbeat for 45s"),
            condition("Healthy", "False", "PeersMissing", "b is missing"),
            condition("Joined", "True", "AgentJoined", ""));

    assertThat(EventRecorder.transitions(before, after))
        .containsExactly(
            new Transition("Warning", "HeartbeatMissed", "Ready is False: no heartbeat for 45s"),
            new Transition("Warning", "PeersMissing", "Healthy is False: b is missing"),
            new Transition("Normal", "AgentJoined", "Joined is True"));
  }

  @Test
  void nothingMovedNoTransitionsAndAFirstStatusTellsEveryCondition() {
    List<Condition> conditions =
        List.of(condition("Ready", "Unknown", "WaitingForHeartbeat", "joined 1s ago"));
    assertThat(EventRecorder.transitions(conditions, conditions)).isEmpty();
    assertThat(EventRecorder.transitions(null, conditions))
        .containsExactly(
            new Transition("Normal", "WaitingForHeartbeat", "Ready is Unknown: joined 1s ago"));
    assertThat(EventRecorder.transitions(conditions, null)).isEmpty();
  }

  @Test
  void anEventNamesItsObjectUniquelyAndKeepsWithinTheServersMessageLimit() {
    Peer peer = new Peer();
    peer.getMetadata().setName("edge-1");
    peer.getMetadata().setNamespace("team");
    peer.getMetadata().setUid("uid-1");
    Instant now = Instant.parse("2026-11-22T08:00:00.123456789Z");

    Event event =
        EventRecorder.event(
            peer, new Transition("Warning", "LaunchTimeout", "x".repeat(5000)), now, "op-1");

    assertThat(event.getMetadata().getName())
        .isEqualTo(
            "edge-1." + Long.toHexString(now.getEpochSecond() * 1_000_000_000L + now.getNano()));
    assertThat(event.getInvolvedObject().getKind()).isEqualTo("Peer");
    assertThat(event.getInvolvedObject().getApiVersion()).isEqualTo("meshfed.io/v1alpha1");
    assertThat(event.getInvolvedObject().getUid()).isEqualTo("uid-1");
    assertThat(event.getMessage()).hasSize(EventRecorder.MAX_MESSAGE).endsWith("…");
    assertThat(event.getFirstTimestamp()).isEqualTo("2026-11-22T08:00:00Z");
    assertThat(event.getReportingInstance()).isEqualTo("op-1");
  }

  @Test
  void pastItsBurstEventsComeAtTheRateAndTheRestAreDroppedAndCounted() {
    long[] now = {0};
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    EventRecorder recorder =
        new EventRecorder(null, Clock.systemUTC(), "op-1", 3, 2, metrics, () -> now[0]);
    assertThat(recorder.spend()).isTrue();
    assertThat(recorder.spend()).isTrue();
    assertThat(recorder.spend()).isTrue();
    assertThat(recorder.spend()).as("the burst is spent").isFalse();
    now[0] += 500_000_000L; // two a second: one more after half a second
    assertThat(recorder.spend()).isTrue();
    assertThat(recorder.spend()).isFalse();

    Peer peer = new Peer();
    peer.getMetadata().setName("edge-1");
    peer.getMetadata().setNamespace("team");
    recorder.record(peer, new Transition("Normal", "AgentJoined", "Joined is True"));
    assertThat(metrics.get("meshfed.events.dropped").counter().count())
        .as("dropped before any write is tried")
        .isEqualTo(1);
  }

  @Test
  void aBudgetOfNothingIsRefused() {
    assertThatThrownBy(
            () ->
                new EventRecorder(
                    null, Clock.systemUTC(), "op", 0, 10, new SimpleMeterRegistry(), () -> 0))
        .hasMessageContaining("meshfed.events");
  }

  private static Condition condition(String type, String status, String reason, String message) {
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .build();
  }
}
