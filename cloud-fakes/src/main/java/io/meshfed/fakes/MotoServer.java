package io.meshfed.fakes;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * moto's server — a real EC2 API emulator from PyPI — on a loopback port, for the length of a test
 * class. Installed by {@code hack/install-moto.sh}; found at {@code $MOTO_SERVER} or in {@code
 * ~/.cache/meshfed/moto}. Stopped by its own PID.
 */
public final class MotoServer implements AutoCloseable {
  private final Process process;
  private final URI endpoint;
  private final Path log;

  private MotoServer(Process process, URI endpoint, Path log) {
    this.process = process;
    this.endpoint = endpoint;
    this.log = log;
  }

  public static Path executable() {
    String configured = System.getenv("MOTO_SERVER");
    if (configured != null) {
      return Path.of(configured);
    }
    return Path.of(System.getProperty("user.home"), ".cache/meshfed/moto/bin/moto_server");
  }

  public static MotoServer start() throws IOException, InterruptedException {
    Path executable = executable();
    if (!Files.isExecutable(executable)) {
      throw new IllegalStateException(
          executable + " is missing: run hack/install-moto.sh (.ci/run does)");
    }
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    Path log = Files.createTempFile("moto-", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(executable.toString(), "-H", "127.0.0.1", "-p", String.valueOf(port));
    // refuse instance types EC2 does not have, as EC2 does
    builder.environment().put("MOTO_EC2_ENABLE_INSTANCE_TYPE_VALIDATION", "true");
    Process process = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    MotoServer server = new MotoServer(process, URI.create("http://127.0.0.1:" + port), log);
    Instant deadline = Instant.now().plusSeconds(60);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("moto_server exited: " + Files.readString(log));
      }
      try (Socket probe = new Socket()) {
        probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return server;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    server.close();
    throw new IllegalStateException("moto_server did not listen on " + port + " within 60 s");
  }

  public URI endpoint() {
    return endpoint;
  }

  /** Forgets every resource: each test starts from an empty account. */
  public void reset() throws IOException, InterruptedException {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(endpoint.resolve("/moto-api/reset"))
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "moto reset: " + response.statusCode() + " " + response.body());
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    try {
      Files.deleteIfExists(log);
    } catch (IOException ignored) {
      // a temp file
    }
  }
}
