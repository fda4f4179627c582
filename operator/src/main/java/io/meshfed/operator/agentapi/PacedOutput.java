package io.meshfed.operator.agentapi;

import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * A response body written no faster than its connection takes it: after every {@code step} bytes
 * the writer waits until what it wrote so far has reached the connection ({@code caughtUp}); the
 * connection's own back-pressure (its write queue, HTTP/2's flow-control window) then holds the
 * next write until the reader has taken enough. Without it a full map written from a worker thread
 * was queued whole (the server's "queue full" flag is updated on the event loop, after the worker
 * has handed over the rest): 160 MB of direct memory at 1 000 agents' first maps, and at 5 000 more
 * than the operator has. A reader that stops reading holds its write until its agent's timeout
 * resets the stream (the write then fails); nothing of it is buffered beyond the window.
 */
final class PacedOutput extends FilterOutputStream {
  private final Supplier<CompletionStage<Void>> caughtUp;
  private final int step;
  private final Duration patience;
  private long sinceWait;

  /**
   * @param caughtUp completes once everything written before the call has reached the connection
   */
  PacedOutput(
      OutputStream out, Supplier<CompletionStage<Void>> caughtUp, int step, Duration patience) {
    super(out);
    this.caughtUp = caughtUp;
    this.step = step;
    this.patience = patience;
  }

  /**
   * Paced by the response's own queue. The writer hops onto the connection's event loop, where the
   * writes handed over before have reached the connection by then, so the response's "queue full"
   * flag is true again if they filled it — and the output stream's next write waits for its drain
   * (Quarkus's stream waits on the response's one drain handler; taking that handler here left its
   * writers waiting for a drain that came to someone else).
   */
  static PacedOutput paced(
      OutputStream out, HttpServerResponse response, Context connection, Duration patience) {
    return new PacedOutput(out, () -> reached(response, connection), STEP, patience);
  }

  /** Bytes written between two waits for the reader. */
  static final int STEP = 64 * 1024;

  private static CompletionStage<Void> reached(HttpServerResponse response, Context connection) {
    CompletableFuture<Void> reached = new CompletableFuture<>();
    connection.runOnContext(
        v -> {
          if (response.closed()) {
            reached.completeExceptionally(new IOException("the reader closed the connection"));
          } else {
            reached.complete(null);
          }
        });
    return reached;
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
    wrote(1);
  }

  @Override
  public void write(byte[] bytes, int offset, int length) throws IOException {
    out.write(bytes, offset, length);
    wrote(length);
  }

  private void wrote(int length) throws IOException {
    sinceWait += length;
    if (sinceWait >= step) {
      sinceWait = 0;
      out.flush();
      await();
    }
  }

  private void await() throws IOException {
    try {
      caughtUp.get().toCompletableFuture().get(patience.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IOException(
          "the connection took nothing for " + patience.toSeconds() + " s: the answer is dropped",
          e);
    } catch (ExecutionException e) {
      throw new IOException("the connection failed while the answer was written", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while the reader caught up");
    }
  }
}
