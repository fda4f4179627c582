package io.meshfed.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kubectl meshfed …}: the operator's command line, as a kubectl plugin. It reads the
 * user's kubeconfig and context as kubectl does ({@code KUBECONFIG}, {@code --kubeconfig},
 * {@code --context}, {@code -n}).
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
        "  kubectl meshfed join-command prod --ttl 1h   the line that joins a host of yours",
        "  kubectl meshfed grow prod --provider aws --count 2 --type t3.large",
        "  kubectl meshfed shrink prod --idle        remove peers that run nothing",
        "  sudo -E kubectl meshfed switch prod       this machine on the mesh; disconnect to leave",
        "  source <(kubectl-meshfed generate-completion)   bash/zsh completion"},
    subcommands = {Describe.class, JoinCommand.class, Troubleshoot.class, Grow.class, Shrink.class, Switch.class,
        Disconnect.class, picocli.AutoComplete.GenerateCompletion.class,
        CommandLine.HelpCommand.class})
public final class KubectlMeshfed {
  @Option(names = "--kubeconfig", description = "Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config).")
  Path kubeconfig;

  @Option(names = "--context", description = "The kubeconfig context to use (default: its current context).")
  String context;

  @Option(names = {"-n", "--namespace"}, description = "The namespace (default: the context's).")
  String namespace;

  /** A client for the chosen kubeconfig and context (for the commands that write). */
  KubernetesClient client() {
    return new KubernetesClientBuilder().withConfig(config()).build();
  }

  /** The light read path (describe, troubleshoot): Fabric8's config and HTTP client, not its client. */
  KubeReads reads() {
    return new KubeReads(config());
  }

  String namespace(KubeReads reads) {
    if (namespace != null) {
      return namespace;
    }
    return reads.namespace() == null ? "default" : reads.namespace();
  }

  private Config config() {
    Config config;
    try {
      config = kubeconfig == null
          ? Config.autoConfigure(context)
          : Config.fromKubeconfig(context, Files.readString(kubeconfig), kubeconfig.toString());
    } catch (java.io.IOException e) {
      throw new CommandLine.ParameterException(new CommandLine(this), "cannot read " + kubeconfig + ": " + e.getMessage());
    }
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

  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new KubectlMeshfed());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("error: " + explain(e));
      return e instanceof NotFound ? 2 : 1;
    });
    return cli;
  }

  /** What went wrong, in one line a person can act on. */
  static String explain(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException || t instanceof java.net.http.HttpConnectTimeoutException
          || t instanceof java.nio.channels.UnresolvedAddressException) {
        return "cannot reach the Kubernetes API server (" + t.getClass().getSimpleName()
            + "): check your kubeconfig and context (kubectl config current-context)";
      }
    }
    if (e instanceof io.fabric8.kubernetes.client.KubernetesClientException k && k.getCode() == 403) {
      return "forbidden: your user may not do this (" + k.getStatus().getMessage() + ")";
    }
    if (e instanceof io.fabric8.kubernetes.client.KubernetesClientException k && k.getCode() == 404
        && k.getMessage() != null && k.getMessage().contains("meshfed.io")) {
      return "the meshfed CRDs are not installed in this cluster (helm install meshfed helm/meshfed)";
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** Something the user named does not exist: exit 2, with what to do. */
  static final class NotFound extends RuntimeException {
    NotFound(String message) {
      super(message);
    }
  }
}
