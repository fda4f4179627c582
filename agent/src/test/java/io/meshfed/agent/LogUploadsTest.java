package io.meshfed.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.api.agent.ApiError;
import io.meshfed.api.agent.LogFetch;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class LogUploadsTest {
  /** What the operator received, by stream. */
  private final Map<String, ByteArrayOutputStream> received = new ConcurrentHashMap<>();

  private final Map<String, ApiError> ended = new ConcurrentHashMap<>();
  private final Map<String, Boolean> endedWell = new ConcurrentHashMap<>();
  private volatile int answer = 204;

  private final LogUploads.Sink sink =
      new LogUploads.Sink() {
        @Override
        public int chunk(String stream, byte[] bytes) {
          if (answer == 204) {
            received.computeIfAbsent(stream, s -> new ByteArrayOutputStream()).writeBytes(bytes);
          }
          return answer;
        }

        @Override
        public void end(String stream, ApiError error) {
          if (error == null) {
            endedWell.put(stream, true);
          } else {
            ended.put(stream, error);
          }
        }
      };

  /** Waits up to 10 s for the condition. */
  private static void until(BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited 10 s").isLessThan(deadline);
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Test
  void theOutputGoesInChunksOfAtMost64KiBThenTheEnd() {
    byte[] output = new byte[150 * 1024];
    for (int i = 0; i < output.length; i++) {
      output[i] = (byte) ('a' + i % 26);
    }
    LogUploads uploads =
        new LogUploads((replica, tail, follow, previous) -> new ByteArrayInputStream(output), sink);
    uploads.start(List.of(new LogFetch("s1", "web-0", null, false, false)));
    until(() -> endedWell.containsKey("s1"));
    assertThat(received.get("s1").toByteArray()).isEqualTo(output);
    assertThat(uploads.running()).isZero();
  }

  @Test
  void aReplicaWithoutOutputEndsTheStreamWithTheReason() {
    LogUploads uploads =
        new LogUploads(
            (replica, tail, follow, previous) -> {
              throw new ReplicaRuntime.NoOutput(
                  "NoPreviousRun", "replica " + replica + " has not restarted on this peer");
            },
            sink);
    uploads.start(List.of(new LogFetch("s2", "web-0", 10, false, true)));
    until(() -> ended.containsKey("s2"));
    assertThat(ended.get("s2").reason()).isEqualTo("NoPreviousRun");
    assertThat(received).doesNotContainKey("s2");
  }

  @Test
  void aGoneReaderStopsAFollowedStreamAndClosesItsSource() {
    AtomicBoolean closed = new AtomicBoolean();
    AtomicInteger reads = new AtomicInteger();
    InputStream endless =
        new InputStream() {
          @Override
          public int read() {
            return 'x';
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            if (closed.get()) {
              throw new IOException("closed");
            }
            reads.incrementAndGet();
            b[off] = 'x';
            return 1;
          }

          @Override
          public void close() {
            closed.set(true);
          }
        };
    LogUploads uploads = new LogUploads((replica, tail, follow, previous) -> endless, sink);
    uploads.start(List.of(new LogFetch("s3", "web-0", null, true, false)));
    until(() -> received.containsKey("s3"));
    answer = 404;
    until(closed::get);
    until(() -> uploads.running() == 0);
    assertThat(endedWell).doesNotContainKey("s3");
  }
}
