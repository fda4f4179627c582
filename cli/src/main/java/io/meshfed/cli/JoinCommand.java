package io.meshfed.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.api.agent.BootstrapSecrets;
import io.meshfed.api.v1alpha1.Durations;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "join-command",
    mixinStandardHelpOptions = true,
    description = {
      "Prints the one line that joins a host of yours to the cluster (run it on the host).",
      "It names a new Peer (provider static) with a one-time token valid for --ttl. The line runs nothing",
      "before the agent API's CA matches the pinned hash; the token travels in a file, not a command line."
    })
final class JoinCommand implements Callable<Integer> {
  @ParentCommand KubectlMeshfed root;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "CLUSTER", description = "The MeshCluster's name.")
  String cluster;

  @Option(
      names = "--ttl",
      defaultValue = "1h",
      description = "How long the token is valid (default: ${DEFAULT-VALUE}).")
  String ttl;

  @Option(names = "--name", description = "The Peer the host becomes (default: host-<random>).")
  String name;

  @Override
  public Integer call() {
    Duration validFor;
    try {
      validFor = Durations.parse(ttl);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--ttl: " + e.getMessage());
    }
    if (validFor.isZero() || validFor.compareTo(Duration.ofDays(7)) > 0) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--ttl must be more than 0 and at most 7 days");
    }
    try (KubernetesClient client = root.client()) {
      String namespace = root.namespace(client);
      ClusterSnapshot snapshot = ClusterSnapshot.read(client, namespace, cluster);
      HostInvitation invitation =
          HostInvitation.create(
              client,
              spec.commandLine(),
              snapshot,
              name != null ? name : "host-" + BootstrapSecrets.randomToken().substring(0, 6),
              null,
              validFor,
              "pick another --name");
      var out = spec.commandLine().getOut();
      out.println(
          line(invitation.server(), invitation.caHash(), invitation.token(), invitation.peer()));
      out.flush();
      var err = spec.commandLine().getErr();
      err.println(
          "# joins as peer/"
              + invitation.peer()
              + "; the token works once, until "
              + invitation.expires());
      err.flush();
      return 0;
    }
  }

  /**
   * The one line for the host. Nothing runs before the server is verified: the CA it serves must be
   * one certificate whose public key has the pinned hash (curl --cacert would trust every
   * certificate of a bundle), and only then is the installer fetched, over TLS checked against that
   * CA. The token goes to a file only the user reads (printf is the shell's own: no command line
   * shows it), and the installer reads it from there.
   */
  static String line(String endpoint, String caHash, String token, String peer) {
    String hex = caHash.substring("sha256:".length());
    return "umask 077; printf '%s\\n' '"
        + token
        + "' > ~/.meshfed-join-token && curl -fsSk "
        + endpoint
        + "/api/v1/ca.crt -o ~/.meshfed-ca.crt"
        + " && [ \"$(grep -c 'BEGIN CERTIFICATE' ~/.meshfed-ca.crt)\" = 1 ]"
        + " && [ \"$(openssl x509 -in ~/.meshfed-ca.crt -pubkey -noout | openssl pkey -pubin -outform"
        + " der | sha256sum | cut -c1-64)\" = "
        + hex
        + " ] && curl -fsS --cacert ~/.meshfed-ca.crt "
        + endpoint
        + "/api/v1/install.sh | sudo sh -s -- --server "
        + endpoint
        + " --ca-hash "
        + caHash
        + " --token-file ~/.meshfed-join-token --name "
        + peer;
  }
}
