package io.meshfed.provider.local;

import com.sun.security.auth.module.UnixSystem;
import io.meshfed.provider.spi.AgentBootstrap;
import io.meshfed.provider.spi.Command;
import io.meshfed.provider.spi.Ipv4;
import io.meshfed.provider.spi.Machine;
import io.meshfed.provider.spi.MachineProvider;
import io.meshfed.provider.spi.MachineRef;
import io.meshfed.provider.spi.MachineRequest;
import io.meshfed.provider.spi.ProviderContext;
import io.meshfed.provider.spi.ProviderException;
import io.meshfed.provider.spi.SecretFiles;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Machines on this host: a network namespace on a bridge, with an agent inside. See README.
 *
 * <p>Idempotent like a cloud: the machine's directory is named by the Peer's UID and written before
 * the namespace is made, so an {@code ensure} repeated after a crash finishes the same machine
 * instead of making a second one.
 */
public final class LocalMachineProvider implements MachineProvider {
  public static final String NAME = "local";
  private static final String PROVIDER_ID_PREFIX = "local:///";
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final LocalSettings settings;

  public LocalMachineProvider(LocalSettings settings) {
    this.settings = settings;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public synchronized Machine ensure(ProviderContext context, MachineRequest request)
      throws ProviderException {
    requireRoot();
    if (request.bootstrap() == null) {
      throw ProviderException.permanent(
          "NoBootstrap", "a local machine needs an agent bootstrap token", null);
    }
    return withHostLock(
        () -> {
          Path dir = machineDir(request.peerId());
          LocalMachine machine =
              LocalMachine.read(dir).orElseGet(() -> LocalMachine.plan(request, nextAddress()));
          machine.write(dir);
          ensureBridge();
          ensureNamespace(machine);
          ensureAgent(machine, dir, request.bootstrap());
          return machine.toMachine();
        });
  }

  @Override
  public Optional<Machine> find(ProviderContext context, MachineRef ref) throws ProviderException {
    Optional<LocalMachine> machine = LocalMachine.read(machineDir(ref.peerId()));
    return machine.filter(m -> namespaceExists(m.namespace())).map(LocalMachine::toMachine);
  }

  @Override
  public synchronized void delete(ProviderContext context, MachineRef ref)
      throws ProviderException {
    requireRoot();
    Path dir = machineDir(ref.peerId());
    Optional<LocalMachine> machine = LocalMachine.read(dir);
    if (machine.isEmpty()) {
      return; // already gone
    }
    withHostLock(
        () -> {
          stopAgent(dir);
          String ns = machine.get().namespace();
          removeContainers(dir.resolve("agent"), ns);
          if (namespaceExists(ns)) {
            // wireguard-go daemonizes inside the namespace; a namespace with processes in it
            // lingers
            for (String pid : Command.check("ip", "netns", "pids", ns).split("\\s+")) {
              if (!pid.isBlank()) {
                ProcessHandle.of(Long.parseLong(pid.trim()))
                    .ifPresent(ProcessHandle::destroyForcibly);
              }
            }
            Command.check("ip", "netns", "delete", ns);
          }
          deleteTree(resolverDir(ns));
          Command.run(TIMEOUT, null, List.of("ip", "link", "delete", machine.get().hostVeth()));
          deleteTree(dir);
          return null;
        });
  }

  @Override
  public List<Machine> list(ProviderContext context, String clusterId) throws ProviderException {
    List<Machine> machines = new ArrayList<>();
    for (LocalMachine machine : allMachines()) {
      if (clusterId.equals(machine.clusterId()) && namespaceExists(machine.namespace())) {
        machines.add(machine.toMachine());
      }
    }
    return machines;
  }

  /** The WireGuard interface of a peer's agent on this host. */
  public static String wireguardInterfaceOf(String peerId) {
    return "mfw" + peerId.replace("-", "").substring(0, 8);
  }

  /** The namespace a peer's machine runs in, for people and tests that want to look inside. */
  public Optional<String> namespaceOf(String peerId) {
    return LocalMachine.read(machineDir(peerId)).map(LocalMachine::namespace);
  }

  private void ensureBridge() {
    String bridge = settings.bridge();
    if (!Command.run(TIMEOUT, null, List.of("ip", "link", "show", bridge)).ok()) {
      Command.check("ip", "link", "add", bridge, "type", "bridge");
    }
    String addresses = Command.check("ip", "-o", "-4", "addr", "show", "dev", bridge);
    if (!addresses.contains(" " + settings.bridgeAddress() + " ")) {
      Command.check("ip", "addr", "add", settings.bridgeAddress(), "dev", bridge);
    }
    Command.check("ip", "link", "set", bridge, "up");
  }

  private void ensureNamespace(LocalMachine machine) {
    String ns = machine.namespace();
    if (!namespaceExists(ns)) {
      Command.check("ip", "netns", "add", ns);
    }
    if (!Command.run(TIMEOUT, null, List.of("ip", "link", "show", machine.hostVeth())).ok()) {
      Command.check(
          "ip",
          "link",
          "add",
          machine.hostVeth(),
          "type",
          "veth",
          "peer",
          "name",
          "eth0",
          "netns",
          ns);
    }
    Command.check("ip", "link", "set", machine.hostVeth(), "master", settings.bridge(), "up");
    inNamespace(ns, "ip", "link", "set", "lo", "up");
    String own = inNamespace(ns, "ip", "-o", "-4", "addr", "show", "dev", "eth0");
    String address = machine.address() + "/" + settings.prefixLength();
    if (!own.contains(" " + address + " ")) {
      inNamespace(ns, "ip", "addr", "add", address, "dev", "eth0");
    }
    inNamespace(ns, "ip", "link", "set", "eth0", "up");
    writeResolver(ns);
  }

  /**
   * `ip netns exec` mounts /etc/netns/NS/resolv.conf over /etc/resolv.conf: in the peer's
   * namespace, names go to the agent's DNS on the namespace's own loopback (see AGENT_DNS_OPTIONS).
   */
  private static void writeResolver(String ns) {
    try {
      Files.createDirectories(resolverDir(ns));
      Files.writeString(
          resolverDir(ns).resolve("resolv.conf"),
          "# written by meshfed's local provider: the peer agent answers the cluster's names\n"
              + "nameserver 127.0.0.1\n");
    } catch (IOException e) {
      throw new UncheckedIOException("writing the resolver of namespace " + ns, e);
    }
  }

  private static Path resolverDir(String ns) {
    return Path.of("/etc/netns", ns);
  }

  /** The agent answers DNS on the namespace's loopback too, where its resolv.conf points. */
  static final List<String> AGENT_DNS_OPTIONS = List.of("--dns-listen", "127.0.0.1");

  /**
   * Starts the agent in its own session under a restart loop, unless its loop still runs. The
   * loop's PID is the session's process group, which delete stops as a whole.
   */
  private void ensureAgent(LocalMachine machine, Path dir, AgentBootstrap bootstrap) {
    if (agentGroup(dir).isPresent()) {
      return;
    }
    List<String> argv =
        new ArrayList<>(
            List.of(
                "setsid",
                "sh",
                "-c",
                // the loop stays in the host's namespaces; each agent it starts enters the peer's
                // (ip netns exec: its network namespace, its /sys and resolv.conf). The agent runs
                // its container engine in the loop's mount namespace (decision 0020)
                "ns=$1; shift; while :; do ip netns exec \"$ns\" \"$@\"; sleep 1; done",
                "meshfed-agent-loop",
                machine.namespace()));
    argv.addAll(settings.agentCommand());
    argv.addAll(
        List.of(
            "join",
            "--server",
            reachableFromBridge(bootstrap.server()),
            "--ca-hash",
            bootstrap.caHash(),
            "--token-file",
            // in a file only root reads: a command line would show it to every process
            SecretFiles.write(dir.resolve("join-token"), bootstrap.token()).toString(),
            "--name",
            machine.peerName(),
            "--interface",
            machine.wireguardInterface(),
            "--state-dir",
            dir.resolve("agent").toString()));
    argv.addAll(AGENT_DNS_OPTIONS);
    argv.addAll(settings.agentOptions());
    try {
      Process loop =
          new ProcessBuilder(argv)
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("agent.log").toFile()))
              .start();
      Files.writeString(dir.resolve("agent.pid"), Long.toString(loop.pid()));
    } catch (IOException e) {
      throw new UncheckedIOException("starting the agent of " + machine.peerName(), e);
    }
  }

  /** The agent loop's process, if it still runs and is ours (a recycled PID is not). */
  private static Optional<ProcessHandle> agentGroup(Path dir) {
    Path pidFile = dir.resolve("agent.pid");
    if (!Files.exists(pidFile)) {
      return Optional.empty();
    }
    try {
      long pid = Long.parseLong(Files.readString(pidFile).trim());
      return ProcessHandle.of(pid)
          .filter(ProcessHandle::isAlive)
          .filter(
              p ->
                  p.info()
                      .arguments()
                      .map(a -> String.join(" ", a).contains(dir.toString()))
                      .orElse(false));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * The containers and networks the machine's agent made (labelled with its state directory): a
   * machine that is deleted takes what ran on it along, as a deleted VM does.
   */
  private void removeContainers(Path agentStateDir, String ns) {
    if (settings.containerCommand().isEmpty()) {
      return;
    }
    String label = "label=meshfed.io/agent=" + agentStateDir.toAbsolutePath().normalize();
    // in the peer's network namespace, as the agent ran them: their network is torn down where
    // it was set up (from elsewhere podman leaves its namespace handle behind)
    List<String> inPeer =
        namespaceExists(ns) ? List.of("nsenter", "--net=/run/netns/" + ns) : List.of();
    for (String id : engine(inPeer, "ps", "-aq", "--filter", label).split("\\s+")) {
      if (!id.isBlank()) {
        engine(inPeer, "rm", "-f", "-t", "2", id.strip());
      }
    }
    for (String network : engine(inPeer, "network", "ls", "-q", "--filter", label).split("\\s+")) {
      if (!network.isBlank()) {
        engine(inPeer, "network", "rm", "-f", network.strip());
      }
    }
  }

  private String engine(List<String> prefix, String... args) {
    // {ppid} names the agents' supervising loop, in this (the host's) mount namespace: ours
    String self = Long.toString(ProcessHandle.current().pid());
    List<String> argv = new ArrayList<>(prefix);
    settings.containerCommand().forEach(word -> argv.add(word.replace("{ppid}", self)));
    argv.addAll(List.of(args));
    Command.Result result = Command.run(TIMEOUT, null, argv);
    return result.ok() ? result.stdout() : "";
  }

  private static void stopAgent(Path dir) {
    agentGroup(dir)
        .ifPresent(
            loop -> {
              // the loop's PID is its session's process group: stop the loop and the agent together
              Command.run(TIMEOUT, null, List.of("kill", "-TERM", "--", "-" + loop.pid()));
              try {
                loop.onExit().get(5, TimeUnit.SECONDS);
              } catch (Exception e) {
                Command.run(TIMEOUT, null, List.of("kill", "-KILL", "--", "-" + loop.pid()));
              }
            });
  }

  /** Loopback means "this host"; from inside a namespace this host is the bridge address. */
  String reachableFromBridge(String server) {
    URI uri = URI.create(server);
    String host = uri.getHost();
    if (host != null && (host.equals("localhost") || host.startsWith("127."))) {
      return uri.getScheme()
          + "://"
          + settings.bridgeIp()
          + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
          + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }
    return server;
  }

  private String nextAddress() {
    Set<Integer> used = new HashSet<>();
    for (LocalMachine machine : allMachines()) {
      used.add(Ipv4.parse(machine.address()));
    }
    int bridge = Ipv4.parse(settings.bridgeIp());
    int hostBits = 32 - settings.prefixLength();
    int network = bridge & (hostBits == 32 ? 0 : -1 << hostBits);
    int size = 1 << hostBits;
    for (int offset = 1; offset < size - 1; offset++) {
      int candidate = network + offset;
      if (candidate != bridge && !used.contains(candidate)) {
        return Ipv4.format(candidate);
      }
    }
    throw new IllegalStateException("no free address left in " + settings.bridgeAddress());
  }

  private List<LocalMachine> allMachines() {
    if (!Files.isDirectory(settings.stateRoot())) {
      return List.of();
    }
    try (Stream<Path> dirs = Files.list(settings.stateRoot())) {
      return dirs.map(LocalMachine::read).flatMap(Optional::stream).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path machineDir(String peerId) {
    return settings.stateRoot().resolve(peerId);
  }

  private static boolean namespaceExists(String ns) {
    return Files.exists(Path.of("/run/netns", ns));
  }

  private static String inNamespace(String ns, String... argv) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    full.addAll(List.of(argv));
    return Command.check(TIMEOUT, full);
  }

  private static void requireRoot() throws ProviderException {
    if (new UnixSystem().getUid() != 0) {
      throw ProviderException.permanent(
          "LocalProviderNeedsRoot",
          "the local provider makes network namespaces and bridges, which needs root; run the operator as root"
              + " (or use another provider)",
          null);
    }
  }

  /** One host, several operators (tests): namespaces, addresses and the bridge are shared. */
  private <T> T withHostLock(Supplier<T> action) throws ProviderException {
    try {
      Files.createDirectories(settings.stateRoot());
      try (FileChannel lock =
              FileChannel.open(
                  settings.stateRoot().resolve(".lock"),
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE);
          var held = lock.lock()) {
        return action.get();
      }
    } catch (Command.Failed e) {
      throw ProviderException.retryable("LocalCommandFailed", e.getMessage(), e);
    } catch (IOException | UncheckedIOException e) {
      throw ProviderException.retryable("LocalStateUnavailable", e.getMessage(), e);
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A machine's record on disk. */
  record LocalMachine(
      String peerId,
      String clusterId,
      String peerName,
      String namespace,
      String address,
      Map<String, String> tags) {

    static LocalMachine plan(MachineRequest request, String address) {
      String suffix = request.peerId().replace("-", "").substring(0, 8);
      String readable =
          request.peerName().length() > 20
              ? request.peerName().substring(0, 20)
              : request.peerName();
      return new LocalMachine(
          request.peerId(),
          request.clusterId(),
          request.peerName(),
          "mf-" + readable + "-" + suffix.substring(0, 5),
          address,
          request.tags());
    }

    String suffix() {
      return peerId.replace("-", "").substring(0, 8);
    }

    /** Host side of the veth: at most 15 characters, unique per machine. */
    String hostVeth() {
      return "mfv" + suffix();
    }

    /** The agent's WireGuard interface: userspace WireGuard's sockets share one directory. */
    String wireguardInterface() {
      return wireguardInterfaceOf(peerId);
    }

    Machine toMachine() {
      // the underlay address is what other local peers reach it at: public and private alike
      return new Machine(
          PROVIDER_ID_PREFIX + namespace, Machine.MachineState.RUNNING, address, address, tags);
    }

    void write(Path dir) {
      Properties p = new Properties();
      p.setProperty("peerId", peerId);
      p.setProperty("clusterId", clusterId == null ? "" : clusterId);
      p.setProperty("peerName", peerName);
      p.setProperty("namespace", namespace);
      p.setProperty("address", address);
      tags.forEach((k, v) -> p.setProperty("tag." + k, v));
      try {
        Files.createDirectories(dir);
        try (Writer out = Files.newBufferedWriter(dir.resolve("machine.properties"))) {
          p.store(out, "meshfed local machine");
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    static Optional<LocalMachine> read(Path dir) {
      Path file = dir.resolve("machine.properties");
      if (!Files.isRegularFile(file)) {
        return Optional.empty();
      }
      Properties p = new Properties();
      try (Reader in = Files.newBufferedReader(file)) {
        p.load(in);
      } catch (IOException e) {
        return Optional.empty();
      }
      Map<String, String> tags = new TreeMap<>();
      p.stringPropertyNames().stream()
          .filter(k -> k.startsWith("tag."))
          .forEach(k -> tags.put(k.substring(4), p.getProperty(k)));
      return Optional.of(
          new LocalMachine(
              p.getProperty("peerId"),
              p.getProperty("clusterId"),
              p.getProperty("peerName"),
              p.getProperty("namespace"),
              p.getProperty("address"),
              tags));
    }
  }
}
