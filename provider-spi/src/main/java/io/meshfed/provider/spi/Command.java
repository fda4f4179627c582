package io.meshfed.provider.spi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a host tool ({@code ip}, {@code wg}, …) with a timeout and its stderr in the error, for the
 * parts of meshfed that drive the machine they run on (the local provider, the agent).
 */
public final class Command {
  private Command() {}

  /** What a finished command printed. */
  public record Result(int exitCode, String stdout, String stderr) {
    public boolean ok() {
      return exitCode == 0;
    }
  }

  /** A command that failed or timed out; the message carries the command line and its stderr. */
  public static final class Failed extends RuntimeException {
    private final Result result;

    Failed(String message, Result result) {
      super(message);
      this.result = result;
    }

    public Result result() {
      return result;
    }
  }

  /** Runs the command and returns its output, whatever its exit code. */
  public static Result run(Duration timeout, String stdin, List<String> argv) {
    return run(timeout, stdin, argv, Map.of());
  }

  /**
   * Runs the command with these variables added to its environment (where values a command line
   * would show to every process of the host, e.g. secrets, travel instead).
   */
  public static Result run(
      Duration timeout, String stdin, List<String> argv, Map<String, String> environment) {
    ProcessBuilder builder = new ProcessBuilder(argv);
    builder.environment().putAll(environment);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new Failed(String.join(" ", argv) + ": cannot start: " + e.getMessage(), null);
    }
    CompletableFuture<String> out = drain(process.getInputStream());
    CompletableFuture<String> err = drain(process.getErrorStream());
    try (var in = process.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      // the tool may exit before reading its input; its exit code tells
    }
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new Failed(
            String.join(" ", argv) + ": timed out after " + timeout.toMillis() + " ms", null);
      }
      return new Result(process.exitValue(), out.join(), err.join());
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new Failed(String.join(" ", argv) + ": interrupted", null);
    }
  }

  /** Runs the command; a non-zero exit is an error that carries the tool's stderr. */
  public static String check(Duration timeout, List<String> argv) {
    return check(timeout, null, argv);
  }

  public static String check(Duration timeout, String stdin, List<String> argv) {
    Result result = run(timeout, stdin, argv);
    if (!result.ok()) {
      throw new Failed(
          String.join(" ", argv) + ": exit " + result.exitCode() + ": " + result.stderr().strip(),
          result);
    }
    return result.stdout();
  }

  public static String check(String... argv) {
    return check(Duration.ofSeconds(10), List.of(argv));
  }

  private static CompletableFuture<String> drain(InputStream stream) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            return "";
          }
        });
  }
}
