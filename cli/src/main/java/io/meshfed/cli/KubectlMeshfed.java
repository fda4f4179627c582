package io.meshfed.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.AutoComplete.GenerateCompletion;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kubectl meshfed …}: the operator's command line, as a kubectl plugin. It reads the user's
 * kubeconfig and context as kubectl does ({@code KUBECONFIG}, {@code --kubeconfig}, {@code
 * --context}, {@code -n}).
 */
@Command(
    name = "kubectl-meshfed",
    mixinStandardHelpOptions = true,
    versionProvider = KubectlMeshfed.Version.class,
    description = {
      "Mesh clusters of peers on clouds and your own hosts, from kubectl.",
      "",
      "  kubectl meshfed describe prod             the cluster at a glance (-o wide|json|yaml)",
      "  kubectl meshfed troubleshoot prod         what is wrong, with hints",
      "  kubectl meshfed dashboard prod            a live page of the mesh on 127.0.0.1",
      "  kubectl meshfed logs hello -f             a workload replica's output",
      "  kubectl meshfed join-command prod --ttl 1h   the line that joins a host of yours",
      "  kubectl meshfed grow prod --provider aws --count 2 --type t3.large",
      "  kubectl meshfed shrink prod --idle        remove peers that run nothing",
      "  sudo -E kubectl meshfed switch prod       this machine on the mesh; disconnect to leave",
      "  source <(kubectl-meshfed generate-completion)   bash/zsh completion"
    })
public final class KubectlMeshfed {
  @Option(
      names = "--kubeconfig",
      description = "Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config).")
  Path kubeconfig;

  @Option(
      names = "--context",
      description = "The kubeconfig context to use (default: its current context).")
  String context;

  @Option(
      names = {"-n", "--namespace"},
      description = "The namespace (default: the context's).")
  String namespace;

  /** A client for the chosen kubeconfig and context (for the commands that write). */
  KubernetesClient client() {
    return new KubernetesClientBuilder().withConfig(config()).build();
  }

  /**
   * The light read path (describe, troubleshoot): Fabric8's config and HTTP client, not its client.
   */
  KubeReads reads() {
    EarlyReads started = early;
    early = null; // one command, one take
    KubeReads reads = started == null ? null : started.take(kubeconfig, context);
    return reads != null ? reads : new KubeReads(config());
  }

  String namespace(KubeReads reads) {
    if (namespace != null) {
      return namespace;
    }
    return reads.namespace() == null ? "default" : reads.namespace();
  }

  private Config config() {
    try {
      return config(kubeconfig, context);
    } catch (IOException e) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "cannot read the kubeconfig: " + e.getMessage());
    }
  }

  /** The client config for a kubeconfig and context, tuned for a command. */
  static Config config(Path kubeconfig, String context) throws IOException {
    Config config = Kubeconfig.load(kubeconfig, context);
    // a command, not a controller: two quick retries (an API server answering 429 "storage is
    // initializing" for a kind nobody listed yet), then fail within seconds and say why
    config.setRequestRetryBackoffLimit(2);
    config.setRequestRetryBackoffInterval(200);
    config.setConnectionTimeout(5_000);
    config.setRequestTimeout(15_000);
    return config;
  }

  String namespace(KubernetesClient client) {
    if (namespace != null) {
      return namespace;
    }
    return client.getNamespace() == null ? "default" : client.getNamespace();
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = KubectlMeshfed.class.getPackage().getImplementationVersion();
      return new String[] {"kubectl-meshfed " + (version == null ? "dev" : version)};
    }
  }

  /** The commands that run on their own; help and completion need all of them. */
  private static final List<Map.Entry<String, Class<?>>> COMMANDS =
      List.of(
          Map.entry("describe", Describe.class),
          Map.entry("join-command", JoinCommand.class),
          Map.entry("troubleshoot", Troubleshoot.class),
          Map.entry("dashboard", Dashboard.class),
          Map.entry("logs", Logs.class),
          Map.entry("grow", Grow.class),
          Map.entry("shrink", Shrink.class),
          Map.entry("rotate-keys", RotateKeys.class),
          Map.entry("rotate-ca", RotateCa.class),
          Map.entry("switch", Switch.class),
          Map.entry("disconnect", Disconnect.class));

  /**
   * Set by main for describe and troubleshoot; null in tests, which build the command line
   * themselves.
   */
  private static EarlyReads early;

  private static final Set<String> READS_A_SNAPSHOT = Set.of("describe", "troubleshoot");
  private static final Set<String> OPTIONS_WITH_VALUES =
      Set.of("--kubeconfig", "--context", "-n", "--namespace");

  /** The whole command line, every subcommand. */
  public static CommandLine commandLine() {
    return commandLine(null);
  }

  /**
   * The command line for these arguments: when they name one subcommand, only that one is built.
   * picocli reflects over every registered command up front (about half its start-up here).
   */
  static CommandLine commandLine(String[] args) {
    CommandLine cli = new CommandLine(new KubectlMeshfed());
    String word = args == null ? null : commandWord(args);
    List<Class<?>> only =
        COMMANDS.stream()
            .filter(c -> c.getKey().equals(word))
            .<Class<?>>map(Map.Entry::getValue)
            .toList();
    if (!only.isEmpty()) {
      cli.addSubcommand(only.get(0));
    } else {
      COMMANDS.forEach(c -> cli.addSubcommand(c.getValue()));
      cli.addSubcommand(new GenerateCompletion());
      cli.addSubcommand(new CommandLine.HelpCommand());
    }
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          commandLine.getErr().println("error: " + explain(e));
          return e instanceof NotFound ? 2 : 1;
        });
    return cli;
  }

  /**
   * The first argument that is neither a global option nor its value: the subcommand's name, if
   * any.
   */
  static String commandWord(String[] args) {
    int at = commandIndex(args);
    return at < args.length ? args[at] : null;
  }

  /**
   * A global option's value from the raw arguments (before the subcommand), as picocli will read
   * it.
   */
  static String globalOption(String[] args, String name) {
    String value = null;
    for (int i = 0; i < commandIndex(args); i++) {
      if (args[i].equals(name) && i + 1 < args.length) {
        value = args[i + 1];
      } else if (args[i].startsWith(name + "=")) {
        value = args[i].substring(name.length() + 1);
      }
      if (OPTIONS_WITH_VALUES.contains(args[i])) {
        i++;
      }
    }
    return value;
  }

  private static int commandIndex(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (OPTIONS_WITH_VALUES.contains(args[i])) {
        i++;
      } else if (args[i].equals("--")) {
        return args.length;
      } else if (!args[i].startsWith("-")) {
        return i;
      }
    }
    return args.length;
  }

  /** What went wrong, in one line a person can act on. */
  static String explain(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException
          || t instanceof HttpConnectTimeoutException
          || t instanceof UnresolvedAddressException) {
        return "cannot reach the Kubernetes API server ("
            + t.getClass().getSimpleName()
            + "): check your kubeconfig and context (kubectl config current-context)";
      }
    }
    if (e instanceof KubernetesClientException k && k.getCode() == 403) {
      return "forbidden: your user may not do this (" + k.getStatus().getMessage() + ")";
    }
    if (e instanceof KubernetesClientException k
        && k.getCode() == 404
        && k.getMessage() != null
        && k.getMessage().contains("meshfed.io")) {
      return "the meshfed CRDs are not installed in this cluster (helm install meshfed helm/meshfed)";
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** What main does, but returns the exit code. */
  static int run(String[] args) {
    // Fabric8 puts the kubeconfig's client key into an in-memory PKCS12 key store and reads it
    // back; JDK 17 wraps each entry in 10 000 PBKDF2 rounds, ~0.3 s of a cold JVM, protecting a
    // store that never leaves this process, under Fabric8's fixed password. One round.
    if (System.getProperty("keystore.pkcs12.keyPbeIterationCount") == null) {
      System.setProperty("keystore.pkcs12.keyPbeIterationCount", "1");
    }
    String word = commandWord(args);
    if (word != null && READS_A_SNAPSHOT.contains(word)) {
      early = EarlyReads.start(args);
    }
    return commandLine(args).execute(args);
  }

  /** Something the user named does not exist: exit 2, with what to do. */
  static final class NotFound extends RuntimeException {
    NotFound(String message) {
      super(message);
    }
  }
}
