package io.meshfed.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.api.v1alpha1.Peer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "disconnect",
    mixinStandardHelpOptions = true,
    description =
        "Takes this machine off the mesh it was switched to: stops its agent, removes the interface and its Peer.")
final class Disconnect implements Callable<Integer> {
  @ParentCommand KubectlMeshfed root;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--state-dir",
      defaultValue = Switch.DEFAULT_STATE,
      description = "As given to switch (default: ${DEFAULT-VALUE}).")
  Path stateDir;

  @Override
  public Integer call() throws Exception {
    Preflight.requireRootAndWireGuard(spec.commandLine());
    PrintWriter out = spec.commandLine().getOut();
    var state = ClientState.read(stateDir);
    if (state.isEmpty()) {
      out.println("not connected to any mesh");
      out.flush();
      return 0;
    }
    try (KubernetesClient client = root.client()) {
      leave(client, state.get(), stateDir, out);
    }
    out.flush();
    return 0;
  }

  /** Stops the agent by its PID, removes the interface, deletes the Peer, forgets the state. */
  static void leave(KubernetesClient client, ClientState state, Path stateDir, PrintWriter out)
      throws Exception {
    ProcessHandle.of(state.pid())
        .ifPresent(
            agent -> {
              agent.destroy();
              try {
                agent.onExit().get(15, TimeUnit.SECONDS);
              } catch (Exception e) {
                agent.destroyForcibly();
              }
            });
    Preflight.run(List.of("ip", "link", "del", state.iface()));
    client.resources(Peer.class).inNamespace(state.namespace()).withName(state.peer()).delete();
    Preflight.forgetMeshDns(state.iface());
    Files.deleteIfExists(stateDir.resolve("state.json"));
    Preflight.run(List.of("rm", "-rf", "--one-file-system", stateDir.resolve("agent").toString()));
    out.printf(
        "disconnected from %s/%s: peer/%s deleted, %s removed%n",
        state.namespace(), state.cluster(), state.peer(), state.iface());
  }
}
