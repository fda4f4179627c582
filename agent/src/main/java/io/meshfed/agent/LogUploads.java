package io.meshfed.agent;

import io.meshfed.api.agent.ApiError;
import io.meshfed.api.agent.LogFetch;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Sends replicas' output to the operator when a map reply asks for it: in chunks of at most 64 KiB
 * as the output is read, an empty chunk when a followed replica is quiet (the operator's answer
 * says whether anyone still reads), then the end. A stream stops when its reader is gone. At most
 * {@value #MAX_STREAMS} at once; each buffers at most {@value #BUFFERED} chunks.
 */
final class LogUploads {
  private static final Logger LOG = Logger.getLogger(LogUploads.class.getName());
  static final int MAX_STREAMS = 8;
  static final int CHUNK = 64 * 1024;
  static final int BUFFERED = 16;
  private static final Duration QUIET = Duration.ofSeconds(10);
  private static final byte[] END = new byte[0];

  /** Where the chunks go: the operator, through the agent's client and credential. */
  interface Sink {
    /** 204 taken, 404 nobody reads, 429 send it again. */
    int chunk(String stream, byte[] bytes) throws Exception;

    void end(String stream, ApiError error) throws Exception;
  }

  /** Where the output comes from: the replicas of this peer. */
  interface Source {
    InputStream output(String replica, Integer tailLines, boolean follow, boolean previous)
        throws IOException;
  }

  private final Source source;
  private final Sink sink;
  private final Set<String> running = ConcurrentHashMap.newKeySet();

  LogUploads(Source source, Sink sink) {
    this.source = source;
    this.sink = sink;
  }

  void start(List<LogFetch> fetches) {
    for (LogFetch fetch : fetches) {
      if (!running.add(fetch.id())) {
        continue; // asked again while it runs
      }
      if (running.size() > MAX_STREAMS) {
        running.remove(fetch.id());
        end(
            fetch,
            new ApiError(
                "TooManyStreams", "this agent sends " + MAX_STREAMS + " log streams at most"));
        continue;
      }
      Thread thread = new Thread(() -> send(fetch), "log-" + fetch.replica());
      thread.setDaemon(true);
      thread.start();
    }
  }

  /** Streams being sent now. */
  int running() {
    return running.size();
  }

  private void send(LogFetch fetch) {
    try (InputStream output =
        source.output(fetch.replica(), fetch.tailLines(), fetch.follow(), fetch.previous())) {
      BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(BUFFERED);
      Thread reader = new Thread(() -> read(output, chunks), "log-read-" + fetch.replica());
      reader.setDaemon(true);
      reader.start();
      try {
        while (true) {
          byte[] chunk = chunks.poll(QUIET.toMillis(), TimeUnit.MILLISECONDS);
          if (chunk == END) {
            end(fetch, null);
            return;
          }
          if (!deliver(fetch, chunk == null ? new byte[0] : chunk)) {
            return; // nobody reads: closing the output stops the reader
          }
        }
      } finally {
        reader.interrupt();
      }
    } catch (ReplicaRuntime.NoOutput e) {
      end(fetch, new ApiError(e.reason(), e.getMessage()));
    } catch (IOException e) {
      end(fetch, new ApiError("OutputUnreadable", "reading the output: " + e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      running.remove(fetch.id());
    }
  }

  /** Reads the output into chunks as it comes; END when it ends. */
  private static void read(InputStream output, BlockingQueue<byte[]> chunks) {
    byte[] buffer = new byte[CHUNK];
    try {
      int n;
      while ((n = output.read(buffer)) >= 0) {
        if (n > 0) {
          chunks.put(Arrays.copyOf(buffer, n));
        }
      }
    } catch (IOException e) {
      // closed because nobody reads, or the replica went: the end says so
    } catch (InterruptedException e) {
      return;
    }
    try {
      chunks.put(END);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** False when nobody reads any more (or the operator cannot be reached). */
  private boolean deliver(LogFetch fetch, byte[] chunk) throws InterruptedException {
    for (int attempt = 0; attempt < 30; attempt++) {
      int status;
      try {
        status = sink.chunk(fetch.id(), chunk);
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        LOG.log(Level.FINE, "log chunk", e);
        LOG.info("log stream of " + fetch.replica() + " ended: " + e.getMessage());
        return false;
      }
      if (status == 204) {
        return true;
      }
      if (status == 404) {
        return false;
      }
      Thread.sleep(1000); // 429: the reader is slow
    }
    return false;
  }

  private void end(LogFetch fetch, ApiError error) {
    try {
      sink.end(fetch.id(), error);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.info("ending the log stream of " + fetch.replica() + ": " + e.getMessage());
    }
  }
}
