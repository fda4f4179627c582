package io.meshfed.agent;

import io.meshfed.agent.ProbeState.Result;
import io.meshfed.api.agent.ReplicaProbe;
import io.meshfed.provider.spi.Command;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BiFunction;

/**
 * Runs probes against replicas, off the supervisor's thread (a probe may take its whole timeout,
 * and a hung replica must not hold up the others'): HTTP GET and TCP to the replica's address, exec
 * through the runtime.
 */
public final class Probes {
  /** Runs a probe's command for the replica (in its container; beside a process). */
  @FunctionalInterface
  public interface Exec extends BiFunction<List<String>, Duration, Command.Result> {}

  private final ExecutorService workers;

  public Probes(int threads) {
    this.workers =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread thread = new Thread(r, "probe");
              thread.setDaemon(true);
              return thread;
            });
  }

  CompletableFuture<Result> run(ReplicaProbe probe, String address, Exec exec) {
    return CompletableFuture.supplyAsync(() -> runNow(probe, address, exec), workers);
  }

  /** One probe, here and now. */
  static Result runNow(ReplicaProbe probe, String address, Exec exec) {
    int timeout = (int) probe.timeout().toMillis();
    try {
      if (probe.httpGet() != null) {
        return httpGet(address, probe.httpGet(), timeout);
      }
      if (probe.tcpSocket() != null) {
        try (Socket socket = new Socket()) {
          socket.connect(new InetSocketAddress(address, probe.tcpSocket().port()), timeout);
          return Result.pass();
        }
      }
      if (probe.exec() != null && probe.exec().command() != null) {
        Command.Result ran = exec.apply(probe.exec().command(), probe.timeout());
        return ran.ok()
            ? Result.pass()
            : Result.fail("exit code " + ran.exitCode() + lastLine(ran.stdout() + ran.stderr()));
      }
      return Result.fail("no action");
    } catch (IOException | RuntimeException e) {
      return Result.fail(e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private static Result httpGet(String address, ReplicaProbe.HttpGet get, int timeout)
      throws IOException {
    String path = get.path() == null || get.path().isEmpty() ? "/" : get.path();
    HttpURLConnection connection =
        (HttpURLConnection)
            URI.create("http://" + address + ":" + get.port() + path).toURL().openConnection();
    connection.setConnectTimeout(timeout);
    connection.setReadTimeout(timeout);
    connection.setInstanceFollowRedirects(false);
    connection.setRequestProperty("User-Agent", "meshfed-probe");
    connection.setRequestProperty("Connection", "close");
    try {
      int status = connection.getResponseCode();
      return status >= 200 && status < 400 ? Result.pass() : Result.fail("HTTP " + status);
    } finally {
      connection.disconnect();
    }
  }

  private static String lastLine(String output) {
    String last = output.strip().lines().reduce((a, b) -> b).orElse("");
    return last.isEmpty() ? "" : ": " + (last.length() > 200 ? last.substring(0, 200) : last);
  }

  public void close() {
    workers.shutdownNow();
  }
}
