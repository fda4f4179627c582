package io.meshfed.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.meshfed.agent.ProbeState.Result;
import io.meshfed.api.agent.ReplicaProbe;
import io.meshfed.provider.spi.Command;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each kind of probe against real sockets and real commands on loopback. */
class ProbesTest {
  private HttpServer server;
  private final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void serve() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/ok", exchange -> respond(exchange, 200));
    server.createContext("/moved", exchange -> respond(exchange, 302));
    server.createContext("/broken", exchange -> respond(exchange, 503));
    server.createContext(
        "/hang",
        exchange -> {
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          respond(exchange, 200);
        });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
  }

  private static void respond(com.sun.net.httpserver.HttpExchange exchange, int status)
      throws java.io.IOException {
    exchange.getResponseHeaders().add("Location", "/ok");
    exchange.sendResponseHeaders(status, -1);
    exchange.close();
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
  }

  ReplicaProbe get(String path) {
    return new ReplicaProbe(
        new ReplicaProbe.HttpGet(path, server.getAddress().getPort()), null, null, 0, 1, 1, 1, 1);
  }

  static Result run(ReplicaProbe probe) {
    return Probes.runNow(
        probe, "127.0.0.1", (command, timeout) -> Command.run(timeout, null, command));
  }

  @Test
  void httpGetPassesFrom200To399AndSaysTheStatusOtherwise() {
    assertThat(run(get("/ok"))).isEqualTo(Result.pass());
    assertThat(run(get("/moved")))
        .as("a redirect is not followed; it passes")
        .isEqualTo(Result.pass());
    assertThat(run(get("/broken"))).isEqualTo(Result.fail("HTTP 503"));
    assertThat(run(get("/nowhere"))).isEqualTo(Result.fail("HTTP 404"));
  }

  @Test
  void aReplicaThatHangsFailsItsProbeAfterTheTimeout() {
    long started = System.nanoTime();
    Result hung = run(get("/hang"));
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    assertThat(hung.passed()).isFalse();
    assertThat(hung.detail()).contains("SocketTimeoutException");
    assertThat(tookMs).as("about the 1 s timeout").isBetween(900L, 5_000L);
  }

  @Test
  void tcpPassesWhenSomethingListens() throws Exception {
    try (ServerSocket listening = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = listening.getLocalPort();
      ReplicaProbe tcp =
          new ReplicaProbe(null, new ReplicaProbe.TcpSocket(port), null, 0, 1, 1, 1, 1);
      assertThat(run(tcp)).isEqualTo(Result.pass());
      listening.close();
      Result refused = run(tcp);
      assertThat(refused.passed()).isFalse();
      assertThat(refused.detail()).contains("ConnectException");
    }
  }

  @Test
  void execPassesOnExitCodeZeroAndSaysTheLastLineOtherwise() {
    assertThat(run(exec("true"))).isEqualTo(Result.pass());
    assertThat(run(exec("sh", "-c", "echo checking; echo not accepting connections; exit 2")))
        .isEqualTo(Result.fail("exit code 2: not accepting connections"));
    Result slow = run(exec("sleep", "5"));
    assertThat(slow.passed()).isFalse();
    assertThat(slow.detail()).contains("timed out after 1000 ms");
  }

  static ReplicaProbe exec(String... command) {
    return new ReplicaProbe(null, null, new ReplicaProbe.Exec(List.of(command)), 0, 1, 1, 1, 1);
  }
}
