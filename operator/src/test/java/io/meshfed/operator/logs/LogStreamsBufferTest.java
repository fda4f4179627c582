package io.meshfed.operator.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.meshfed.api.agent.ApiError;
import io.meshfed.api.agent.LogFetch;
import io.meshfed.api.v1alpha1.LogRequest;
import io.meshfed.api.v1alpha1.LogRequestSpec;
import io.meshfed.api.v1alpha1.LogRequestStatus;
import io.meshfed.operator.server.AgentApiException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class LogStreamsBufferTest {
  private static final Duration NOW = Duration.ZERO;
  private final LogStreams streams = new LogStreams(2, 3);

  @Test
  void aSlowReaderMakesTheAgentWaitButNeverMissesTheEnd() throws Exception {
    LogStreams.Stream stream = streams.open("ns/p1", "web-0", null, false, false);
    for (int i = 0; i < 3; i++) {
      assertThat(stream.offer(new byte[] {(byte) i}, NOW)).contains(true);
    }
    assertThat(stream.offer(new byte[] {9}, NOW)).as("3 chunks buffered: wait").contains(false);
    stream.end(Optional.empty());
    for (int i = 0; i < 3; i++) {
      assertThat(stream.next(NOW))
          .isInstanceOfSatisfying(LogStreams.Chunk.class, c -> assertThat(c.bytes()).hasSize(1));
    }
    assertThat(stream.next(NOW)).isInstanceOf(LogStreams.End.class);
    assertThat(stream.offer(new byte[] {4}, NOW)).as("room again").contains(true);
  }

  @Test
  void aFetchWakesItsPeersPollOnceAndAClosedStreamTakesNoMoreChunks() throws Exception {
    CompletableFuture<Void> waiting = streams.queued("ns/p1");
    CompletableFuture<Void> other = streams.queued("ns/p2");
    LogStreams.Stream stream = streams.open("ns/p1", "web-0", 5, true, false);
    assertThat(waiting).isDone();
    assertThat(other).isNotDone();
    assertThat(streams.take("ns/p1"))
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.id()).isEqualTo(stream.id());
              assertThat(f.tailLines()).isEqualTo(5);
              assertThat(f.follow()).isTrue();
            });
    assertThat(streams.take("ns/p1")).isEmpty();
    assertThat(streams.stream(stream.id(), "ns/p2")).as("only to its own peer").isEmpty();
    assertThat(streams.stream(stream.id(), "ns/p1")).isPresent();

    streams.close(stream);
    assertThat(stream.offer(new byte[] {1}, NOW)).as("nobody reads").isEmpty();
    assertThat(streams.stream(stream.id(), "ns/p1")).isEmpty();
    assertThat(streams.open()).isZero();
  }

  @Test
  void aStreamClosedBeforeItsPeerPolledIsNotAsked() {
    LogStreams.Stream stream = streams.open("ns/p1", "web-0", null, false, false);
    streams.close(stream);
    assertThat(streams.take("ns/p1")).isEmpty();
  }

  @Test
  void moreStreamsThanAllowedAreRefusedWith429() {
    streams.open("ns/p1", "web-0", null, false, false);
    streams.open("ns/p1", "web-1", null, false, false);
    assertThatThrownBy(() -> streams.open("ns/p1", "web-2", null, false, false))
        .isInstanceOfSatisfying(
            AgentApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(429);
              assertThat(e.retryAfterSeconds()).contains(5L);
            });
  }

  @Test
  void anErrorEndsTheStreamWithItsReason() throws Exception {
    LogStreams.Stream stream = streams.open("ns/p1", "web-0", null, false, true);
    stream.end(Optional.of(new ApiError("NoPreviousRun", "no previous run")));
    assertThat(stream.next(NOW))
        .isInstanceOfSatisfying(
            LogStreams.End.class,
            e ->
                assertThat(e.error())
                    .get()
                    .extracting(ApiError::reason)
                    .isEqualTo("NoPreviousRun"));
  }

  /**
   * A stream another replica opened: a poll of its peer waiting here takes the fetch, once, however
   * often the LogRequest's events repeat; without a poll here nothing is queued (the agent polls
   * elsewhere, where it is handed on).
   */
  @Test
  void aFetchOpenedElsewhereGoesToAPollWaitingHereOnce() {
    LogFetch fetch = new LogFetch("stream-1", "web-0", 10, false, false);
    assertThat(streams.offerOpenedElsewhere("ns/p1", fetch)).as("no poll here").isFalse();
    assertThat(streams.take("ns/p1")).isEmpty();

    CompletableFuture<Void> waiting = streams.queued("ns/p1");
    assertThat(streams.offerOpenedElsewhere("ns/p1", fetch)).isTrue();
    assertThat(waiting).isDone();
    assertThat(streams.take("ns/p1")).containsExactly(fetch);

    streams.queued("ns/p1");
    assertThat(streams.offerOpenedElsewhere("ns/p1", fetch)).as("the same stream again").isFalse();
    assertThat(streams.take("ns/p1")).isEmpty();
  }

  @Test
  void aServedRequestNamesItsFetchWhileItsReaderMayStillWait() {
    LogRequest request = new LogRequest();
    request.setMetadata(new ObjectMetaBuilder().withNamespace("ns").withName("r").build());
    LogRequestSpec spec = new LogRequestSpec();
    spec.setTailLines(5);
    spec.setFollow(true);
    request.setSpec(spec);
    Instant now = Instant.parse("2026-12-06T08:00:00Z");
    Duration fresh = Duration.ofSeconds(15);
    assertThat(LogFetchesOpenedElsewhere.fetchOf(request, now, fresh)).as("not served").isEmpty();

    LogRequestStatus status = new LogRequestStatus();
    status.setPeer("p1");
    status.setReplica("web-0");
    status.setStream("stream-1");
    status.setServedAt("2026-12-06T07:59:50Z");
    request.setStatus(status);
    assertThat(LogFetchesOpenedElsewhere.fetchOf(request, now, fresh))
        .contains(new LogFetch("stream-1", "web-0", 5, true, false));
    assertThat(LogFetchesOpenedElsewhere.fetchOf(request, now.plusSeconds(10), fresh))
        .as("its reader gave up waiting")
        .isEmpty();
  }
}
