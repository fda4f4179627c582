package io.meshfed.agent;

import io.meshfed.api.agent.AssignedReplica;
import io.meshfed.api.agent.ReplicaStatus;
import io.meshfed.api.agent.SelfConfig;
import io.meshfed.api.v1alpha1.ImageReferences;
import io.meshfed.provider.spi.Command;
import io.meshfed.provider.spi.Ipv4;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Replicas as podman or docker containers, each with its own address: a bridge network holds the
 * upper half of the peer's subnet (other peers route the subnet here over WireGuard), and the
 * engine gives every container a free address of it, read back after the start. The engine owns
 * that allocation: an address it failed to release (a {@code run} killed halfway, a crash) costs
 * one address, never a replica that cannot start again. Containers carry their spec's hash in a
 * label: a restarted agent adopts a running container only when the spec is the one it is asked to
 * run.
 */
public final class ContainerRuntime implements ReplicaRuntime {
  static final String SPEC_LABEL = "meshfed.io/spec";

  /**
   * Which agent made a container or network: its state directory, one per agent on a host. Who
   * removes a machine's agent (the local provider) removes what carries its label.
   */
  public static final String AGENT_LABEL = "meshfed.io/agent";

  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Logger LOG = Logger.getLogger(ContainerRuntime.class.getName());
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  static final String LOG_MAX_SIZE = "10m";

  /** Runs a command line with variables added to its environment: the real one, or a recorder. */
  @FunctionalInterface
  public interface Runner {
    Command.Result run(List<String> argv, Map<String, String> environment, Duration timeout);

    default Command.Result run(List<String> argv, Map<String, String> environment) {
      return run(argv, environment, TIMEOUT);
    }

    default Command.Result run(List<String> argv) {
      return run(argv, Map.of());
    }
  }

  /** The engine's name, for messages: podman or docker. */
  private final String binary;

  /** The words that run the engine: its name, or a command around it (see {@link #start}). */
  private final List<String> engine;

  private final Runner runner;
  private final Supplier<SelfConfig> self;
  private String agentLabel = "";

  /** Labels what this runtime makes with the agent's state directory (see AGENT_LABEL). */
  public ContainerRuntime labelledFor(Path agentStateDir) {
    this.agentLabel = agentStateDir.toAbsolutePath().normalize().toString();
    return this;
  }

  /**
   * @param binary "podman" or "docker"
   * @param engine how to run it: {@code [binary]}, or a command in front of it, e.g. {@code
   *     [nsenter, --mount=/proc/4242/ns/mnt, --, podman]} for an agent in a network namespace
   *     entered with {@code ip netns exec}, whose /sys has no cgroup hierarchy (decision 0020)
   */
  public ContainerRuntime(String binary, List<String> engine, Supplier<SelfConfig> self) {
    this(
        binary,
        engine,
        (argv, environment, timeout) -> Command.run(timeout, null, argv, environment),
        self);
  }

  ContainerRuntime(String binary, Runner runner, Supplier<SelfConfig> self) {
    this(binary, List.of(binary), runner, self);
  }

  ContainerRuntime(String binary, List<String> engine, Runner runner, Supplier<SelfConfig> self) {
    if (engine.isEmpty()) {
      throw new IllegalArgumentException("the container command is empty");
    }
    this.binary = binary;
    this.engine = List.copyOf(engine);
    this.runner = runner;
    this.self = self;
  }

  /** The engine's command line for these arguments. */
  private List<String> engine(String... args) {
    List<String> argv = new ArrayList<>(engine);
    argv.addAll(List.of(args));
    return argv;
  }

  /**
   * The container of a replica on this peer. Engines keep names host-wide, and one host may hold
   * several peers (the local provider's, or two clusters'): a replica moved from one to another
   * must not find, adopt or remove the container the other peer runs for it.
   */
  String containerName(AssignedReplica replica) {
    return containerName(replica.name());
  }

  /** A replica's directory is named for the replica. */
  private String containerName(String replica) {
    return networkName() + "-" + replica;
  }

  /**
   * The bridge network of this peer's subnet (named for the peer: engines keep networks host-wide).
   */
  String networkName() {
    return "mf-" + self.get().cluster() + "-" + self.get().name();
  }

  @Override
  public Handle start(AssignedReplica replica, Path dir) throws IOException {
    if (replica.image() == null) {
      throw new IOException(
          "replica "
              + replica.name()
              + " has no image; the "
              + binary
              + " runtime runs containers: start the agent with --runtime process for commands");
    }
    if (!ImageReferences.valid(replica.image())) {
      // the API server checks this too; an agent never lets a field become an option
      throw new IOException(
          "replica "
              + replica.name()
              + ": "
              + replica.image()
              + " is not an image reference ([registry[:port]/]path[:tag][@sha256:digest])");
    }
    Files.createDirectories(dir);
    ensureImage(replica, dir);
    ensureNetwork();
    String name = containerName(replica);
    keepAsPrevious(name, dir);
    runner.run(engine("rm", "-f", name)); // a stopped leftover of an earlier run
    // every option is one argument with its value (--name=x), and "--" ends them before the
    // image: nothing of the spec can become an option of the runtime
    List<String> argv =
        engine("run", "-d", "--name=" + name, "--label=meshfed.io/replica=" + replica.name());
    if (!agentLabel.isEmpty()) {
      argv.add("--label=" + AGENT_LABEL + "=" + agentLabel);
    }
    argv.addAll(
        List.of(
            "--label=" + SPEC_LABEL + "=" + specHash(replica),
            "--network=" + networkName(),
            "--dns=" + self.get().meshAddress(),
            // the engine keeps the output bounded on disk, as the process runtime rotates its own
            "--log-opt=max-size=" + LOG_MAX_SIZE));
    if (self.get().domain() != null) {
      argv.add("--dns-search=" + self.get().domain());
    }
    // values travel in the runtime's environment, never on its command line (which every process
    // of the host can read): "-e NAME" takes NAME's value from there
    Map<String, String> environment = new TreeMap<>();
    environment.put("MESHFED_REPLICA", replica.name());
    environment.put("MESHFED_WORKLOAD", replica.workload());
    if (replica.env() != null) {
      environment.putAll(replica.env());
    }
    for (String variable : environment.keySet()) {
      if (!ENV_NAME.matcher(variable).matches()) {
        throw new IOException(
            "replica " + replica.name() + ": " + variable + " is not an environment variable name");
      }
      argv.add("--env=" + variable);
    }
    if (replica.command() != null && !replica.command().isEmpty()) {
      // as Kubernetes: command replaces the entrypoint
      argv.add("--entrypoint=" + replica.command().get(0));
    }
    argv.add("--");
    argv.add(replica.image());
    if (replica.command() != null && replica.command().size() > 1) {
      argv.addAll(replica.command().subList(1, replica.command().size()));
    }
    if (replica.args() != null) {
      argv.addAll(replica.args());
    }
    Command.Result result = runner.run(argv, environment);
    if (!result.ok()) {
      throw new IOException(binary + " run " + name + " failed: " + errorOf(result));
    }
    Optional<String> address = addressOf(name);
    if (address.isPresent()) {
      return new ContainerHandle(name, dir, address.get());
    }
    if (exited(name)) {
      // it ran and ended before its address was read (a command that fails at once): an exit,
      // for the next round to see with its code and output, not a start failure that loses both
      return new ContainerHandle(name, dir, null);
    }
    runner.run(engine("rm", "-f", name));
    throw new IOException(binary + " started " + name + " without an address on " + networkName());
  }

  /** Whether the engine has the container, running or not. */
  private boolean hasContainer(String name) {
    return runner.run(engine("container", "inspect", "--format", "{{.Id}}", name)).ok();
  }

  /** Whether the engine has the container, stopped. */
  private boolean exited(String name) {
    Command.Result state = runner.run(engine("inspect", "-f", "{{.State.Running}}", name));
    return state.ok() && state.stdout().strip().equals("false");
  }

  /** The address the engine gave the container on the peer's network, if it runs. */
  private Optional<String> addressOf(String name) {
    Command.Result inspect =
        runner.run(
            engine(
                "inspect",
                "-f",
                "{{(index .NetworkSettings.Networks \"" + networkName() + "\").IPAddress}}",
                name));
    String address = inspect.stdout().strip();
    try {
      return inspect.ok() && Ipv4.inside(address, containerSubnet(self.get()))
          ? Optional.of(address)
          : Optional.empty();
    } catch (IllegalArgumentException e) { // "<no value>": not on the network
      return Optional.empty();
    }
  }

  /**
   * What went wrong, without the engine's warnings before it (podman writes {@code level=warning}
   * lines ahead of its {@code Error:} line).
   */
  static String errorOf(Command.Result result) {
    String stderr = result.stderr().strip();
    String errors =
        stderr
            .lines()
            .filter(line -> !line.contains("level=warning"))
            .reduce((a, b) -> a + "\n" + b)
            .orElse("")
            .strip();
    return !errors.isEmpty()
        ? errors
        : !stderr.isEmpty() ? stderr : "exit code " + result.exitCode();
  }

  @Override
  public Optional<Handle> adopt(AssignedReplica replica, Path dir) {
    String name = containerName(replica);
    Command.Result inspect =
        runner.run(
            engine(
                "inspect",
                "-f",
                "{{index .Config.Labels \"" + SPEC_LABEL + "\"}} {{.State.Running}}",
                name));
    if (!inspect.ok()) {
      return Optional.empty();
    }
    String[] fields = inspect.stdout().strip().split(" ");
    if (fields.length == 2 && fields[0].equals(specHash(replica)) && fields[1].equals("true")) {
      Optional<String> address = addressOf(name);
      if (address.isPresent()) {
        return Optional.of(new ContainerHandle(name, dir, address.get()));
      }
    }
    runner.run(engine("rm", "-f", name)); // another spec, or stopped: not ours to keep
    return Optional.empty();
  }

  @Override
  public String lastOutput(Path dir, int lines) {
    String name = containerName(dir.getFileName().toString());
    Command.Result logs = runner.run(engine("logs", "--tail", Integer.toString(lines), name));
    return (logs.stdout() + logs.stderr()).strip();
  }

  /** The output of the run before the last restart (kubectl meshfed logs --previous). */
  static final String PREVIOUS = "previous.log";

  /** The last run's output, before its container goes (the engine's log goes with it). */
  private void keepAsPrevious(String name, Path dir) throws IOException {
    if (!hasContainer(name)) {
      return; // nothing ran yet, or it went with its output already kept
    }
    Command.Result logs = runner.run(engine("logs", name));
    if (!logs.ok()) {
      LOG.warning(
          "the output of " + name + " could not be kept for logs --previous: " + errorOf(logs));
    } else if (!(logs.stdout() + logs.stderr()).isEmpty()) {
      AgentState.writeSecret(dir.resolve(PREVIOUS), logs.stdout() + logs.stderr());
    }
  }

  @Override
  public InputStream output(Path dir, Integer tailLines, boolean follow, boolean previous)
      throws IOException {
    String replica = dir.getFileName().toString();
    if (previous) {
      if (!Files.isRegularFile(dir.resolve(PREVIOUS))) {
        throw new NoOutput(
            "NoPreviousRun", "replica " + replica + " has not restarted on this peer");
      }
      return LogFiles.open(List.of(dir.resolve(PREVIOUS)), tailLines, false);
    }
    String name = containerName(replica);
    if (!hasContainer(name)) {
      throw new NoOutput(
          "NoOutput",
          "replica "
              + replica
              + " has no container now (it starts again after its backoff): try --previous");
    }
    List<String> argv = new ArrayList<>(engine);
    argv.add("logs");
    if (tailLines != null) {
      argv.add("--tail=" + tailLines);
    }
    if (follow) {
      argv.add("--follow");
    }
    argv.add(name);
    // the engine writes the container's stderr to its own: one stream, as the process runtime's
    Process logs = new ProcessBuilder(argv).redirectErrorStream(true).start();
    return new FilterInputStream(logs.getInputStream()) {
      @Override
      public void close() throws IOException {
        logs.destroy();
        super.close();
      }
    };
  }

  @Override
  public Command.Result exec(
      AssignedReplica replica, Path dir, List<String> command, Duration timeout) {
    List<String> argv = engine("exec", "--", containerName(replica));
    argv.addAll(command);
    return runner.run(argv, Map.of(), timeout);
  }

  /**
   * Pulls the image when the engine lacks it, so that a pull that fails says so (unknown name or
   * tag, refused credentials, no registry) apart from a container that fails to start.
   */
  private void ensureImage(AssignedReplica replica, Path dir) throws IOException {
    if (runner.run(engine("image", "inspect", "--format", "{{.Id}}", replica.image())).ok()) {
      return;
    }
    Command.Result pulled;
    if (replica.registryAuth() == null) {
      pulled = runner.run(engine("pull", "--quiet", replica.image()));
    } else {
      // the credentials in a file only root reads, for this pull only: never on a command line
      Path auth = dir.resolve(binary.equals("docker") ? "docker-config/config.json" : "auth.json");
      Files.createDirectories(auth.getParent());
      Files.deleteIfExists(auth);
      Files.writeString(
          Files.createFile(auth, PosixFilePermissions.asFileAttribute(OWNER_ONLY)),
          replica.registryAuth());
      try {
        pulled =
            runner.run(
                binary.equals("docker")
                    ? withGlobalOptions(
                        List.of("--config", auth.getParent().toString()),
                        "pull",
                        "--quiet",
                        replica.image())
                    : engine("pull", "--quiet", "--authfile=" + auth, replica.image()));
      } finally {
        Files.deleteIfExists(auth);
      }
    }
    if (!pulled.ok()) {
      String why = pulled.stderr().strip();
      throw new StartFailure(
          ReplicaStatus.IMAGE_PULL_FAILED,
          binary
              + " could not pull "
              + replica.image()
              + ": "
              + (why.isEmpty()
                  ? "exit code " + pulled.exitCode()
                  : why.lines().reduce((a, b) -> b).orElse(why)));
    }
  }

  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  /** The engine with options before its subcommand (docker's --config). */
  private List<String> withGlobalOptions(List<String> options, String... args) {
    List<String> argv = new ArrayList<>(engine);
    argv.addAll(options);
    argv.addAll(List.of(args));
    return argv;
  }

  private void ensureNetwork() throws IOException {
    String network = networkName();
    if (runner.run(engine("network", "inspect", network)).ok()) {
      return;
    }
    SelfConfig me = self.get();
    List<String> create =
        engine(
            "network",
            "create",
            "--driver",
            "bridge",
            "--subnet",
            containerSubnet(me),
            "--gateway",
            Subnets.lastHost(me.subnet()));
    if (!agentLabel.isEmpty()) {
      create.addAll(List.of("--label", AGENT_LABEL + "=" + agentLabel));
    }
    create.add(network);
    Command.Result created = runner.run(create);
    if (!created.ok()) {
      throw new IOException(
          binary + " network create " + network + " failed: " + created.stderr().strip());
    }
    // packets for the subnet arrive over WireGuard and go on to the bridge
    Command.Result forwarding = runner.run(List.of("sysctl", "-w", "net.ipv4.ip_forward=1"));
    if (!forwarding.ok()) {
      throw new IOException("cannot enable IPv4 forwarding: " + forwarding.stderr().strip());
    }
  }

  static String specHash(AssignedReplica replica) {
    try {
      byte[] json = AgentState.JSON.writeValueAsBytes(replica.withoutRegistryAuth());
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(json))
          .substring(0, 16);
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private final class ContainerHandle implements Handle {
    private final String name;
    private final Path dir;
    private final String address;
    private Integer exitCode;

    ContainerHandle(String name, Path dir, String address) {
      this.name = name;
      this.dir = dir;
      this.address = address;
    }

    @Override
    public boolean alive() {
      Command.Result state =
          runner.run(engine("inspect", "-f", "{{.State.Running}} {{.State.ExitCode}}", name));
      if (!state.ok()) {
        return false; // removed behind our back
      }
      String[] fields = state.stdout().strip().split(" ");
      if (fields[0].equals("true")) {
        return true;
      }
      exitCode = fields.length > 1 ? Integer.valueOf(fields[1]) : null;
      return false;
    }

    @Override
    public OptionalInt exitCode() {
      return exitCode == null ? OptionalInt.empty() : OptionalInt.of(exitCode);
    }

    @Override
    public String address() {
      return address;
    }

    @Override
    public void stop(Duration grace) {
      runner.run(engine("stop", "-t", Long.toString(grace.toSeconds()), name));
      try {
        keepAsPrevious(name, dir); // a replica stopped as dead starts again: its output stays
      } catch (IOException e) {
        LOG.warning("keeping the output of " + name + ": " + e.getMessage());
      }
      runner.run(engine("rm", "-f", name));
    }
  }

  /**
   * The containers' half of the peer's subnet: the upper one. The lower holds the peer's own mesh
   * address (its first host, on the WireGuard interface), and an engine refuses a network whose
   * subnet holds an address of the host ("already used on the host"). Other peers route the whole
   * subnet here; the bridge's route is the more specific.
   */
  static String containerSubnet(SelfConfig me) {
    return Subnets.upperHalf(me.subnet());
  }

  /** Host addresses of the peer's subnet. */
  static final class Subnets {
    private Subnets() {}

    /** The upper half of a network: 100.64.3.0/24 → 100.64.3.128/25. */
    static String upperHalf(String cidr) {
      long[] range = range(cidr);
      int prefix = Integer.parseInt(cidr.split("/")[1]);
      long half = (range[1] - range[0] + 1) / 2;
      return Ipv4.format((int) (range[0] + half)) + "/" + (prefix + 1);
    }

    static String lastHost(String cidr) {
      return Ipv4.format((int) (range(cidr)[1] - 1));
    }

    /** [network, broadcast], unsigned. */
    private static long[] range(String cidr) {
      String[] parts = cidr.split("/");
      long base = Integer.toUnsignedLong(Ipv4.parse(parts[0]));
      return new long[] {base, base + (1L << (32 - Integer.parseInt(parts[1]))) - 1};
    }
  }
}
