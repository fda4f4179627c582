package io.meshfed.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The built operator (quarkus-run.jar) as its own process, stopped or killed by its own PID. */
public final class OperatorProcess implements AutoCloseable {
  private final Process process;
  private final Path log;
  /** Kills the operator if this JVM ends first, so that no operator outlives its test. */
  private final Thread reaper;

  private OperatorProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
    this.reaper = new Thread(process::destroyForcibly, "operator-reaper-" + process.pid());
    Runtime.getRuntime().addShutdownHook(reaper);
  }

  /**
   * @param properties system properties for the operator (its config: {@code meshfed.*},
   *     {@code quarkus.*})
   */
  public static OperatorProcess start(Path jar, Path kubeconfig, Path log, Map<String, String> properties)
      throws IOException {
    if (!Files.isRegularFile(jar)) {
      throw new IOException(jar + " does not exist: build the operator first (mvn -B package -DskipTests)");
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(java, "-Xmx512m"));
    // a random HTTP port, so that replicas on one host do not collide
    command.add("-Dquarkus.http.port=0");
    properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
    command.addAll(List.of("-jar", jar.toString()));
    Files.createDirectories(log.getParent());
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    return new OperatorProcess(builder.start(), log);
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path log() {
    return log;
  }

  /** A crash: SIGKILL, no shutdown hooks, no chance to finish what it was doing. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** A graceful stop (SIGTERM), then SIGKILL if it does not end in time. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        kill();
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
  }
}
