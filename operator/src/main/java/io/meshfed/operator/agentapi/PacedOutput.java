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
 * A response body written no faster than its reader takes it: after every {@code step} bytes the
 * writer waits until what it wrote so far has left for the wire ({@code caughtUp}). Without it a
 * full map written from a worker thread was queued whole (the server's "queue full" flag is updated
 * on the event loop, after the worker has handed over the rest): 160 MB of direct memory at 1 000
 * agents' first maps, and at 5 000 more than the operator has. A reader that takes nothing for
 * {@code patience} is dropped — its answer fails, the agent asks again — rather than buffered
 * without bound.
 */
final class PacedOutput extends FilterOutputStream {
  private final Supplier<CompletionStage<Void>> caughtUp;
  private final int step;
  private final Duration patience;
  private long sinceWait;

  /**
   * @param caughtUp completes once everything written before the call has been sent
   */
  PacedOutput(
      OutputStream out, Supplier<CompletionStage<Void>> caughtUp, int step, Duration patience) {
    super(out);
    this.caughtUp = caughtUp;
    this.step = step;
    this.patience = patience;
  }

  /**
   * Paced by the response's own queue: on the connection's event loop — where the writes handed
   * over before have been queued by then — the writer goes on at once while the queue has room, and
   * at its drain otherwise (HTTP/2: the stream's flow-control window and the socket).
   */
  static PacedOutput paced(
      OutputStream out, HttpServerResponse response, Context connection, Duration patience) {
    return new PacedOutput(out, () -> drained(response, connection), STEP, patience);
  }

  /** Bytes written between two waits for the reader. */
  static final int STEP = 64 * 1024;

  private static CompletionStage<Void> drained(HttpServerResponse response, Context connection) {
    CompletableFuture<Void> drained = new CompletableFuture<>();
    connection.runOnContext(
        v -> {
          if (response.closed()) {
            drained.completeExceptionally(new IOException("the reader closed the connection"));
          } else if (response.writeQueueFull()) {
            response.drainHandler(d -> drained.complete(null));
          } else {
            drained.complete(null);
          }
        });
    return drained;
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
          "the reader took nothing for " + patience.toSeconds() + " s: its answer is dropped", e);
    } catch (ExecutionException e) {
      throw new IOException("the connection failed while the answer was written", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while the reader caught up");
    }
  }
}
