package io.meshfed.operator.agentapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PacedOutputTest {
  /** What the writer saw: bytes passed on, and each wait with how many bytes had passed then. */
  private final ByteArrayOutputStream passed = new ByteArrayOutputStream();

  private final List<Integer> waitsAt = new ArrayList<>();

  @Test
  void waitsForTheReaderAfterEveryStepAndPassesEveryByteOnInOrder() throws IOException {
    try (PacedOutput out =
        new PacedOutput(passed, this::caughtUpAtOnce, 100, Duration.ofSeconds(1))) {
      byte[] chunk = new byte[30];
      for (int i = 0; i < 10; i++) {
        Arrays.fill(chunk, (byte) i);
        out.write(chunk);
      }
      out.write(7);
    }
    assertThat(waitsAt).containsExactly(120, 240);
    assertThat(passed.size()).isEqualTo(301);
    assertThat(passed.toByteArray()[299]).isEqualTo((byte) 9);
    assertThat(passed.toByteArray()[300]).isEqualTo((byte) 7);
  }

  @Test
  void nothingMoreIsWrittenUntilTheReaderCaughtUp() throws Exception {
    CompletableFuture<Void> reader = new CompletableFuture<>();
    AtomicInteger asked = new AtomicInteger();
    PacedOutput out =
        new PacedOutput(
            passed,
            () -> {
              asked.incrementAndGet();
              return reader;
            },
            10,
            Duration.ofSeconds(10));
    CompletableFuture<Void> writer =
        CompletableFuture.runAsync(
            () -> {
              try {
                out.write(new byte[10]);
                out.write(new byte[10]);
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    await().until(() -> asked.get() == 1);
    assertThat(passed.size()).isEqualTo(10);
    assertThat(writer).isNotDone();

    reader.complete(null);
    writer.get();
    assertThat(passed.size()).isEqualTo(20);
  }

  @Test
  void aReaderThatTakesNothingIsDroppedNotWaitedForWithoutEnd() {
    PacedOutput out = new PacedOutput(passed, CompletableFuture::new, 10, Duration.ofMillis(200));
    assertThatThrownBy(() -> out.write(new byte[10]))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("took nothing");
  }

  @Test
  void aConnectionThatFailsEndsTheWrite() {
    PacedOutput out =
        new PacedOutput(
            passed,
            () -> CompletableFuture.failedFuture(new IOException("Connection reset")),
            10,
            Duration.ofSeconds(1));
    assertThatThrownBy(() -> out.write(new byte[10]))
        .isInstanceOf(IOException.class)
        .hasRootCauseMessage("Connection reset");
  }

  private CompletionStage<Void> caughtUpAtOnce() {
    waitsAt.add(passed.size());
    return CompletableFuture.completedFuture(null);
  }
}
