package io.meshfed.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An image tarball ({@code docker save} layout, as Jib's buildTar writes it) unpacked into a root
 * filesystem, and commands that run its entrypoint there much as a container runtime would: a mount
 * namespace of its own with /proc and /dev, chrooted, as the image's user, in its working
 * directory, with only its environment. No daemon needed. Every step execs the next, so the
 * command's PID is the entrypoint's own (a SIGTERM reaches it), and the mounts end with it.
 */
public final class ImageRoot implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path root;
  private final String repoTag;
  private final JsonNode config;

  private ImageRoot(Path root, String repoTag, JsonNode config) {
    this.root = root;
    this.repoTag = repoTag;
    this.config = config;
  }

  /** Unpacks {@code image}'s layers, in order, into {@code work}/rootfs. */
  public static ImageRoot unpack(Path image, Path work) throws IOException, InterruptedException {
    if (!Files.isRegularFile(image)) {
      throw new IOException(
          image + " does not exist: build the base image (hack/base-image.sh), then mvn package");
    }
    deleteTree(work);
    Path blobs = Files.createDirectories(work.resolve("blobs"));
    Path root = Files.createDirectories(work.resolve("rootfs"));
    run(Duration.ofMinutes(2), "tar", "-xf", image.toString(), "-C", blobs.toString());
    JsonNode manifest = JSON.readTree(blobs.resolve("manifest.json").toFile()).get(0);
    for (JsonNode layer : manifest.get("Layers")) {
      run(
          Duration.ofMinutes(2),
          "tar",
          "-xzf",
          blobs.resolve(layer.asText()).toString(),
          "-C",
          root.toString());
    }
    JsonNode config = JSON.readTree(blobs.resolve(manifest.get("Config").asText()).toFile());
    deleteTree(blobs);
    // runtimes provide /dev and /proc; the image need not carry them
    Files.createDirectories(root.resolve("dev"));
    Files.createDirectories(root.resolve("proc"));
    return new ImageRoot(root, manifest.get("RepoTags").get(0).asText(), config);
  }

  public Path root() {
    return root;
  }

  /** The name the tarball carries, e.g. ghcr.io/meshfed/meshfed-operator:0.1.0. */
  public String repoTag() {
    return repoTag;
  }

  /** The image configuration's {@code config}: Entrypoint, Cmd, Env, User, WorkingDir, Labels… */
  public JsonNode config() {
    return config.get("config");
  }

  public String user() {
    return config().path("User").asText("0:0");
  }

  public List<String> entrypoint() {
    List<String> entrypoint = new ArrayList<>();
    config().path("Entrypoint").forEach(arg -> entrypoint.add(arg.asText()));
    return entrypoint;
  }

  /**
   * The command that runs {@code args} in the image (an empty list: its entrypoint and Cmd), with
   * {@code environment} added to the image's. Its PID becomes the entrypoint's.
   */
  public List<String> command(List<String> args, Map<String, String> environment) {
    Map<String, String> env = new LinkedHashMap<>();
    config()
        .path("Env")
        .forEach(
            e -> {
              String entry = e.asText();
              int eq = entry.indexOf('=');
              env.put(entry.substring(0, eq), entry.substring(eq + 1));
            });
    env.putAll(environment);
    List<String> command =
        new ArrayList<>(
            List.of(
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                "root=\"$1\" user=\"$2\"; shift 2; mount -t proc proc \"$root/proc\" && mount --rbind /dev \"$root/dev\""
                    + " && exec chroot --userspec=\"$user\" \"$root\" \"$@\"",
                "sh",
                root.toAbsolutePath().toString(),
                user(),
                "/usr/bin/env",
                "-i"));
    env.forEach((k, v) -> command.add(k + "=" + v));
    command.addAll(
        List.of(
            "/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", config().path("WorkingDir").asText("/")));
    if (args.isEmpty()) {
      command.addAll(entrypoint());
      config().path("Cmd").forEach(arg -> command.add(arg.asText()));
    } else {
      command.addAll(args);
    }
    return command;
  }

  /** Runs {@code args} in the image to the end; its exit code and output (stdout and stderr). */
  public Result exec(List<String> args) throws IOException, InterruptedException {
    Path output = Files.createTempFile("image-exec", ".log");
    try {
      Process process =
          new ProcessBuilder(command(args, Map.of()))
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException("still running after 60 s: " + args);
      }
      return new Result(process.exitValue(), Files.readString(output));
    } finally {
      Files.deleteIfExists(output);
    }
  }

  public record Result(int exitCode, String output) {}

  @Override
  public void close() throws IOException, InterruptedException {
    deleteTree(root.getParent());
  }

  private static void deleteTree(Path dir) throws IOException, InterruptedException {
    if (Files.exists(dir)) {
      // never into another file system (a mount still held by a namespace that has not ended)
      run(Duration.ofMinutes(1), "rm", "-rf", "--one-file-system", dir.toString());
    }
  }

  private static void run(Duration timeout, String... command)
      throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IOException(
          String.join(" ", command) + " failed: " + new String(output, StandardCharsets.UTF_8));
    }
  }
}
