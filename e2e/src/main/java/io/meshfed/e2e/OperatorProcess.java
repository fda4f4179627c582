package io.meshfed.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The built operator (quarkus-run.jar) as its own process, stopped or killed by its own PID. */
public final class OperatorProcess implements AutoCloseable {
  private final Process process;
  private final Path log;
  private final int httpsPort;

  private OperatorProcess(Process process, Path log, int httpsPort) {
    this.process = process;
    this.log = log;
    this.httpsPort = httpsPort;
    // no operator outlives the JVM that started it
    Reaper.register(this);
  }

  /**
   * @param properties system properties for the operator (its config: {@code meshfed.*}, {@code
   *     quarkus.*})
   */
  public static OperatorProcess start(
      Path jar, Path kubeconfig, Path log, Map<String, String> properties) throws IOException {
    return start(jar, kubeconfig, log, properties, 512);
  }

  /** The same with a heap of {@code heapMib} (the chart's sizing for a fleet, say). */
  public static OperatorProcess start(
      Path jar, Path kubeconfig, Path log, Map<String, String> properties, int heapMib)
      throws IOException {
    if (!Files.isRegularFile(jar)) {
      throw new IOException(
          jar + " does not exist: build the operator first (mvn -B package -DskipTests)");
    }
    // the JVM running this one, unless told another (a benchmark's load generator may run on a
    // newer JDK than the operator's)
    String java =
        System.getProperty(
            "meshfed.operator.java", ProcessHandle.current().info().command().orElse("java"));
    List<String> command = new ArrayList<>(List.of(java, "-Xmx" + heapMib + "m"));
    // random ports, so that replicas on one host do not collide; the agent API's is chosen here,
    // since the operator tells agents where it is
    command.add("-Dquarkus.http.port=0");
    int httpsPort =
        properties.containsKey("quarkus.http.ssl-port")
            ? Integer.parseInt(properties.get("quarkus.http.ssl-port"))
            : freePort();
    command.add("-Dquarkus.http.ssl-port=" + httpsPort);
    if (!properties.containsKey("quarkus.log.console.json.enabled")) {
      command.add("-Dquarkus.log.console.json.enabled=false"); // test logs are read by people
    }
    properties.forEach(
        (k, v) -> {
          if (!k.equals("quarkus.http.ssl-port")) {
            command.add("-D" + k + "=" + v);
          }
        });
    command.addAll(List.of("-jar", jar.toString()));
    return start(command, Map.of("KUBECONFIG", kubeconfig.toString()), log, httpsPort);
  }

  /**
   * Any command that runs the operator (its image in a chroot, say), with its output appended to
   * {@code log}; {@code httpsPort} is the agent API's port the command makes it listen on.
   */
  public static OperatorProcess start(
      List<String> command, Map<String, String> environment, Path log, int httpsPort)
      throws IOException {
    Files.createDirectories(log.getParent());
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().putAll(environment);
    return new OperatorProcess(builder.start(), log, httpsPort);
  }

  public static int freePort() throws IOException {
    try (var socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** The agent API's port. */
  public int httpsPort() {
    return httpsPort;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  public Path log() {
    return log;
  }

  /** SIGTERM, as Kubernetes stops a pod; true when the operator exits within the time. */
  public boolean terminate(Duration within) throws InterruptedException {
    process.destroy();
    return process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A crash: SIGKILL, no shutdown hooks, no chance to finish what it was doing. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** A graceful stop (SIGTERM), then SIGKILL if it does not end in time. */
  private void stopGracefully() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        kill();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stopGracefully();
    Reaper.unregister(this);
  }

  @Override
  public String toString() {
    return "operator pid " + process.pid();
  }
}
