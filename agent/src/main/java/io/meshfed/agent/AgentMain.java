package io.meshfed.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code meshfed-agent join …} and {@code meshfed-agent run}. */
@Command(
    name = "meshfed-agent",
    mixinStandardHelpOptions = true,
    versionProvider = AgentMain.Version.class,
    description =
        "The meshfed peer agent: joins a mesh cluster and keeps this machine's WireGuard in line with it.",
    subcommands = {AgentMain.Join.class, AgentMain.Run.class})
public final class AgentMain {

  static class Common {
    @Option(
        names = "--state-dir",
        defaultValue = "/var/lib/meshfed",
        description =
            "Where the key, the credential and the last map live (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(
        names = "--interface",
        defaultValue = "meshfed0",
        description = "WireGuard interface name (default: ${DEFAULT-VALUE}).")
    String interfaceName;

    @Option(
        names = "--status-interval",
        defaultValue = "10s",
        description = "How often to report status, e.g. 10s, 2s (default: ${DEFAULT-VALUE}).")
    String statusInterval;

    @Option(
        names = "--endpoint",
        description =
            "ip:port other peers reach this one at; repeat for several. Default: every IPv4 address"
                + " of this machine with the cluster's WireGuard port.")
    List<String> endpoints = new ArrayList<>();

    @Option(
        names = "--dns-port",
        defaultValue = "53",
        description =
            "Port the cluster's DNS is answered on, at the mesh address (default: ${DEFAULT-VALUE}).")
    int dnsPort;

    @Option(
        names = "--dns-listen",
        description =
            "A further address to answer the cluster's DNS on, e.g. 127.0.0.1; repeat for several.")
    List<String> dnsListen = new ArrayList<>();

    @Option(
        names = "--runtime",
        defaultValue = "process",
        description =
            "How replicas run: process (a command on this machine), podman or docker (default: ${DEFAULT-VALUE}).")
    String runtime;

    @Option(
        names = "--container-command",
        description =
            "The command line that runs podman or docker, words separated by spaces (default: the"
                + " --runtime's name); {ppid} stands for the agent's parent process, e.g."
                + " 'nsenter --mount=/proc/{ppid}/ns/mnt -- podman' runs podman in the mount"
                + " namespace of a supervisor that started the agent with ip netns exec.")
    String containerCommand;

    @Option(
        names = "--process-user",
        defaultValue = "nobody",
        description =
            "The user process replicas run as (default: ${DEFAULT-VALUE}); root only when a"
                + " workload needs it.")
    String processUser;

    @Option(
        names = "--wireguard-go",
        description =
            "The userspace WireGuard to run where the kernel has none (default: MESHFED_WIREGUARD_GO,"
                + " else "
                + WireGuardImplementation.BUNDLED
                + " when present, else wireguard-go on the PATH).")
    String wireguardGo;

    /** The words of --container-command, {ppid} replaced by this process's parent's PID. */
    static List<String> containerCommand(String option) {
      if (option == null || option.isBlank()) {
        return List.of();
      }
      String parent =
          ProcessHandle.current()
              .parent()
              .map(p -> Long.toString(p.pid()))
              .orElseThrow(() -> new IllegalStateException("no parent process for {ppid}"));
      return List.of(option.strip().replace("{ppid}", parent).split("\\s+"));
    }

    Agent agent() {
      Optional<String> userspace =
          Optional.ofNullable(wireguardGo)
              .or(() -> Optional.ofNullable(System.getenv("MESHFED_WIREGUARD_GO")))
              .filter(s -> !s.isBlank());
      return new Agent(
          new AgentState(stateDir),
          new WireGuard(interfaceName, userspace),
          parse(statusInterval),
          endpoints,
          new Agent.DnsSettings(dnsPort, dnsListen),
          runtime,
          containerCommand(containerCommand),
          processUser);
    }
  }

  @Command(
      name = "join",
      description = "Join a mesh cluster (once; later starts reuse the membership), then run.")
  static final class Join extends Common implements Callable<Integer> {
    @Option(
        names = "--server",
        required = true,
        description = "The agent API, e.g. https://meshfed.example:8443")
    String server;

    @Option(
        names = "--ca-hash",
        required = true,
        description = "sha256:<hex> of the agent API's CA public key.")
    String caHash;

    @Option(
        names = "--token",
        description =
            "A cluster join token or a one-time bootstrap token. On the command line every process"
                + " of this machine can read it: prefer --token-file or MESHFED_TOKEN.")
    String token;

    @Option(
        names = "--token-file",
        description = "A file that holds the token (keep it 0600); read once, at the join.")
    Path tokenFile;

    @Spec CommandSpec spec;

    /** From --token, --token-file or MESHFED_TOKEN, in that order. */
    String token() throws IOException {
      if (token != null) {
        return token;
      }
      if (tokenFile != null) {
        return Files.readString(tokenFile).strip();
      }
      String fromEnvironment = System.getenv("MESHFED_TOKEN");
      if (fromEnvironment != null && !fromEnvironment.isBlank()) {
        return fromEnvironment.strip();
      }
      throw new CommandLine.ParameterException(
          spec.commandLine(), "the join token is missing: --token-file, MESHFED_TOKEN or --token");
    }

    @Option(names = "--name", description = "The Peer to become (default: this host's name).")
    String name;

    @Override
    public Integer call() throws Exception {
      Agent agent = agent();
      agent.joinIfNeeded(
          new Agent.JoinSettings(server, caHash, token(), name == null ? Facts.hostname() : name));
      return runUntilStopped(agent);
    }
  }

  @Command(name = "run", description = "Run with the membership already in the state directory.")
  static final class Run extends Common implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      return runUntilStopped(agent());
    }
  }

  static int runUntilStopped(Agent agent) throws InterruptedException {
    Runtime.getRuntime().addShutdownHook(new Thread(agent::stop, "shutdown"));
    agent.run();
    return 0;
  }

  static Duration parse(String value) {
    String v = value.trim();
    if (v.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
    }
    if (v.endsWith("s")) {
      return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
    }
    if (v.endsWith("m")) {
      return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
    }
    throw new CommandLine.ParameterException(
        new CommandLine(new AgentMain()),
        "not a duration: " + value + " (use e.g. 500ms, 10s, 1m)");
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"meshfed-agent " + Facts.VERSION};
    }
  }

  public static void main(String[] args) {
    System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT.%1$tL %4$-7s %5$s%6$s%n");
    System.exit(new CommandLine(new AgentMain()).execute(args));
  }
}
