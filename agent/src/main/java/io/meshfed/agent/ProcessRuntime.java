package io.meshfed.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.api.agent.AssignedReplica;
import io.meshfed.provider.spi.Command;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Replicas as processes on the peer (in its network namespace: the replica's address is the peer's
 * mesh address). What it started is written down (pid, start time, spec) so that a restarted agent
 * finds its replicas again instead of starting them twice.
 */
public final class ProcessRuntime implements ReplicaRuntime {
  private static final ObjectMapper JSON = AgentState.JSON;
  private static final String OUTPUT = "output.log";
  static final String SECURE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static final Set<PosixFilePermission> OWNER_ONLY_FILE =
      PosixFilePermissions.fromString("rw-------");

  /** Others may pass through to a directory inside, not list what is here. */
  static final Set<PosixFilePermission> SEARCH_ONLY = PosixFilePermissions.fromString("rwx--x--x");

  /**
   * Lets replicas that run as another user pass through the agent's directories to their own:
   * search permission only (no listing); every secret file in them is the agent's, 0600.
   */
  public static void letReplicasThrough(List<Path> directories) throws IOException {
    for (Path directory : directories) {
      Files.createDirectories(directory);
      Files.setPosixFilePermissions(directory, SEARCH_ONLY);
    }
  }

  /** What was started, as written next to its output. */
  record Started(long pid, String startInstant, AssignedReplica spec) {}

  private final Supplier<String> meshAddress;
  private final Map<String, String> baseEnv;
  private final Optional<RunAs> runAs;

  /** A user replicas run as, by number: what {@code setpriv} switches to before the command. */
  public record RunAs(String user, long uid, long gid) {
    /** The user of that name from /etc/passwd; empty for root (replicas keep the agent's user). */
    public static Optional<RunAs> of(String user) throws IOException {
      return of(user, Path.of("/etc/passwd"));
    }

    static Optional<RunAs> of(String user, Path passwd) throws IOException {
      if (user.equals("root")) {
        return Optional.empty();
      }
      for (String line : Files.readAllLines(passwd)) {
        String[] fields = line.split(":");
        if (fields.length > 3 && fields[0].equals(user)) {
          return Optional.of(new RunAs(user, Long.parseLong(fields[2]), Long.parseLong(fields[3])));
        }
      }
      throw new IOException(
          "no user " + user + " in " + passwd + " to run replicas as (--process-user)");
    }

    /**
     * The replica's own directory inside {@code dir}: this user's, so a command that writes or
     * serves its working directory can; the agent's files beside it (what it started, the output)
     * stay root's. Fails, saying which, when a parent directory does not let this user through.
     */
    Path workingDirectory(Path dir) throws IOException {
      Files.setPosixFilePermissions(dir, SEARCH_ONLY);
      Path work = dir.resolve("work");
      Files.createDirectories(work);
      Files.setAttribute(work, "unix:uid", (int) uid);
      Files.setAttribute(work, "unix:gid", (int) gid);
      Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx------"));
      for (Path parent = dir.toAbsolutePath(); parent != null; parent = parent.getParent()) {
        if (!canSearch(parent)) {
          throw new IOException(
              "user "
                  + user
                  + " cannot reach its working directory "
                  + work
                  + ": "
                  + parent
                  + " is "
                  + PosixFilePermissions.toString(Files.getPosixFilePermissions(parent))
                  + " (give it search permission, chmod o+x, or run replicas as root with"
                  + " --process-user root)");
        }
      }
      return work;
    }

    private boolean canSearch(Path directory) throws IOException {
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(directory);
      int owner = (Integer) Files.getAttribute(directory, "unix:uid");
      int group = (Integer) Files.getAttribute(directory, "unix:gid");
      if (owner == uid) {
        return mode.contains(PosixFilePermission.OWNER_EXECUTE);
      }
      if (group == gid) {
        return mode.contains(PosixFilePermission.GROUP_EXECUTE);
      }
      return mode.contains(PosixFilePermission.OTHERS_EXECUTE);
    }

    /** The command line that runs {@code argv} as this user, with no way back to root. */
    List<String> wrap(List<String> argv) {
      List<String> wrapped =
          new ArrayList<>(
              List.of(
                  "setpriv",
                  "--reuid=" + uid,
                  "--regid=" + gid,
                  "--clear-groups",
                  "--no-new-privs",
                  "--"));
      wrapped.addAll(argv);
      return wrapped;
    }
  }

  /**
   * @param meshAddress this peer's mesh address, once it has one
   * @param baseEnv variables every replica gets (the cluster's DNS domain, …)
   * @param runAs the user replicas run as (empty: the agent's own, i.e. root)
   */
  public ProcessRuntime(
      Supplier<String> meshAddress, Map<String, String> baseEnv, Optional<RunAs> runAs) {
    this.meshAddress = meshAddress;
    this.baseEnv = Map.copyOf(baseEnv);
    this.runAs = runAs;
  }

  @Override
  public Handle start(AssignedReplica replica, Path dir) throws IOException {
    if (replica.image() != null) {
      throw new IOException(
          "replica "
              + replica.name()
              + " has an image ("
              + replica.image()
              + "); the process runtime runs commands only: start the agent with --runtime podman or docker");
    }
    if (replica.command() == null || replica.command().isEmpty()) {
      throw new IOException("replica " + replica.name() + " has no command");
    }
    Files.createDirectories(dir);
    Path output = dir.resolve(OUTPUT);
    keepAsPrevious(dir);
    if (!Files.exists(output)) {
      Files.createFile(output, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
    }
    List<String> argv = new ArrayList<>(replica.command());
    if (replica.args() != null) {
      argv.addAll(replica.args());
    }
    Path work = runAs.isPresent() ? runAs.get().workingDirectory(dir) : dir;
    ProcessBuilder builder =
        new ProcessBuilder(runAs.map(user -> user.wrap(argv)).orElse(argv))
            .directory(work.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()));
    if (runAs.isPresent()) {
      builder.environment().put("HOME", work.toString());
    }
    builder.environment().putAll(environmentOf(replica));
    Process process = builder.start();
    Started started =
        new Started(
            process.pid(),
            process.info().startInstant().map(Instant::toString).orElse(""),
            replica);
    AgentState.writeSecret(dir.resolve("started.json"), JSON.writeValueAsString(started));
    return new ChildHandle(process);
  }

  @Override
  public Optional<Handle> adopt(AssignedReplica replica, Path dir) {
    Path file = dir.resolve("started.json");
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      Started started = JSON.readValue(file.toFile(), Started.class);
      Optional<ProcessHandle> process =
          ProcessHandle.of(started.pid())
              .filter(ProcessHandle::isAlive)
              // a pid is reused in time; the start instant tells the same process from a newcomer
              .filter(
                  p ->
                      p.info()
                          .startInstant()
                          .map(Instant::toString)
                          .orElse("")
                          .equals(started.startInstant()));
      if (process.isEmpty()) {
        return Optional.empty();
      }
      if (!replica.equals(started.spec())) {
        new AdoptedHandle(process.get())
            .stop(Duration.ofSeconds(5)); // an old spec: not ours to keep
        return Optional.empty();
      }
      return Optional.of(new AdoptedHandle(process.get()));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  @Override
  public String lastOutput(Path dir, int lines) {
    // the end of the file only: a replica's output may be as large as the rotation lets it grow
    try (RandomAccessFile file = new RandomAccessFile(dir.resolve(OUTPUT).toFile(), "r")) {
      long from = Math.max(0, file.length() - TAIL_BYTES);
      byte[] tail = new byte[(int) (file.length() - from)];
      file.seek(from);
      file.readFully(tail);
      List<String> all = new String(tail, StandardCharsets.UTF_8).lines().toList();
      if (from > 0 && !all.isEmpty()) {
        all = all.subList(1, all.size()); // the first is a part of a line
      }
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "";
    }
  }

  private static final int TAIL_BYTES = 64 * 1024;

  /** The run before the last restart (kubectl meshfed logs --previous). */
  static final String PREVIOUS = "previous.log";

  /** A new run's output starts empty; the last run's is kept as the previous one. */
  private static void keepAsPrevious(Path dir) throws IOException {
    Path output = dir.resolve(OUTPUT);
    if (Files.isRegularFile(output) && Files.size(output) > 0) {
      Files.move(output, dir.resolve(PREVIOUS), StandardCopyOption.REPLACE_EXISTING);
      Files.deleteIfExists(dir.resolve(OUTPUT + ".1"));
    }
  }

  @Override
  public InputStream output(Path dir, Integer tailLines, boolean follow, boolean previous)
      throws IOException {
    if (previous) {
      if (!Files.isRegularFile(dir.resolve(PREVIOUS))) {
        throw new NoOutput(
            "NoPreviousRun", "replica " + dir.getFileName() + " has not restarted on this peer");
      }
      return LogFiles.open(List.of(dir.resolve(PREVIOUS)), tailLines, false);
    }
    if (!Files.isRegularFile(dir.resolve(OUTPUT))) {
      throw new NoOutput("NoOutput", "replica " + dir.getFileName() + " has not started here");
    }
    return LogFiles.open(
        List.of(dir.resolve(OUTPUT + ".1"), dir.resolve(OUTPUT)), tailLines, follow);
  }

  /** Past this, a replica's output moves to output.log.1 (the one before goes). */
  static final long ROTATE_AT = 10L * 1024 * 1024;

  /**
   * Copies a grown output to {@code output.log.1} and empties it. The replica keeps writing to the
   * file it opened for appending, from its new end; what it writes between the copy and the
   * truncation is lost (copytruncate's known gap: the replica holds the file, it cannot reopen).
   */
  @Override
  public void rotate(Path dir) {
    Path output = dir.resolve(OUTPUT);
    try {
      if (Files.size(output) <= ROTATE_AT) {
        return;
      }
      Files.copy(output, dir.resolve(OUTPUT + ".1"), StandardCopyOption.REPLACE_EXISTING);
      try (FileChannel channel = FileChannel.open(output, StandardOpenOption.WRITE)) {
        channel.truncate(0);
      }
    } catch (IOException e) {
      // no output yet, or gone with its replica: nothing to rotate
    }
  }

  @Override
  public Command.Result exec(
      AssignedReplica replica, Path dir, List<String> command, Duration timeout) {
    return Command.run(
        timeout,
        null,
        runAs.map(user -> user.wrap(command)).orElse(command),
        environmentOf(replica));
  }

  /** What a replica's processes (and its exec probes) get on top of the agent's environment. */
  private Map<String, String> environmentOf(AssignedReplica replica) {
    Map<String, String> environment = new HashMap<>();
    if (runAs.isPresent()) {
      // the agent's own PATH may name directories only root reads (as sudo's secure_path)
      environment.put("PATH", SECURE_PATH);
    }
    environment.putAll(baseEnv);
    environment.put("MESHFED_REPLICA", replica.name());
    environment.put("MESHFED_WORKLOAD", replica.workload());
    if (replica.env() != null) {
      environment.putAll(replica.env());
    }
    return environment;
  }

  private abstract class ProcessTreeHandle implements Handle {
    abstract ProcessHandle handle();

    @Override
    public boolean alive() {
      return handle().isAlive();
    }

    @Override
    public String address() {
      return meshAddress.get();
    }

    @Override
    public void stop(Duration grace) {
      // children first: a shell's command would outlive the shell otherwise
      handle().descendants().forEach(ProcessHandle::destroy);
      handle().destroy();
      try {
        handle().onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        handle().descendants().forEach(ProcessHandle::destroyForcibly);
        handle().destroyForcibly();
      }
    }
  }

  private final class ChildHandle extends ProcessTreeHandle {
    private final Process process;

    ChildHandle(Process process) {
      this.process = process;
    }

    @Override
    ProcessHandle handle() {
      return process.toHandle();
    }

    /**
     * The child's own view, not its pid's: the JDK reaps the child before it records the exit
     * value, so the pid can be gone while {@link Process#exitValue()} still throws.
     */
    @Override
    public boolean alive() {
      return process.isAlive();
    }

    @Override
    public OptionalInt exitCode() {
      return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
    }
  }

  /** A process an earlier agent started: not our child, so its exit code is unknown. */
  private final class AdoptedHandle extends ProcessTreeHandle {
    private final ProcessHandle process;

    AdoptedHandle(ProcessHandle process) {
      this.process = process;
    }

    @Override
    ProcessHandle handle() {
      return process;
    }

    @Override
    public OptionalInt exitCode() {
      return OptionalInt.empty();
    }
  }
}
