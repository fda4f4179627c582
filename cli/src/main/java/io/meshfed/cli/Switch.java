package io.meshfed.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.api.v1alpha1.Durations;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.PeerRole;
import io.meshfed.provider.spi.SecretFiles;
import java.io.File;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    name = "switch",
    mixinStandardHelpOptions = true,
    description = {
      "Joins this machine to the cluster's mesh as a client peer: workloads answer by name from here.",
      "Nothing is scheduled on it (role client); switching to another cluster leaves the first.",
      "Needs root, ip and wg, and WireGuard (the kernel module or wireguard-go)."
    })
final class Switch implements Callable<Integer> {
  static final String DEFAULT_STATE = "/var/lib/meshfed-client";

  @ParentCommand KubectlMeshfed root;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "CLUSTER", description = "The MeshCluster's name.")
  String cluster;

  @Option(names = "--name", description = "This machine's Peer (default: client-<host name>).")
  String name;

  @Option(
      names = "--interface",
      defaultValue = "mfc0",
      description = "WireGuard interface (default: ${DEFAULT-VALUE}).")
  String iface;

  @Option(
      names = "--endpoint",
      description = "ip:port the mesh reaches this machine at (default: every address of it).")
  List<String> endpoints = new ArrayList<>();

  @Option(
      names = "--state-dir",
      defaultValue = DEFAULT_STATE,
      description = "Where the key and membership live (default: ${DEFAULT-VALUE}).")
  Path stateDir;

  @Option(
      names = "--timeout",
      defaultValue = "90s",
      description = "How long to wait for the mesh (default: ${DEFAULT-VALUE}).")
  String timeout;

  @Override
  public Integer call() throws Exception {
    Preflight.requireRootAndWireGuard(spec.commandLine());
    PrintWriter out = spec.commandLine().getOut();
    try (KubernetesClient client = root.client()) {
      String namespace = root.namespace(client);
      ClusterSnapshot snapshot = ClusterSnapshot.read(client, namespace, cluster);
      HostInvitation.agentApi(snapshot); // before leaving the mesh this machine is on
      var current = ClientState.read(stateDir);
      if (current.isPresent()) {
        out.printf("leaving %s/%s%n", current.get().namespace(), current.get().cluster());
        out.flush();
        Disconnect.leave(client, current.get(), stateDir, out);
      }
      String peerName =
          name != null
              ? name
              : "client-"
                  + Preflight.hostname().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
      HostInvitation invitation =
          HostInvitation.create(
              client,
              spec.commandLine(),
              snapshot,
              peerName,
              List.of(PeerRole.CLIENT),
              Duration.ofMinutes(10),
              "pick another --name, or disconnect the machine that uses it");

      Path agentState = stateDir.resolve("agent");
      Files.createDirectories(agentState);
      List<String> command =
          new ArrayList<>(
              List.of(
                  "setsid",
                  ProcessHandle.current().info().command().orElse("java"),
                  "-XX:+UseSerialGC",
                  "-Xmx128m",
                  "-cp",
                  System.getProperty("java.class.path"),
                  "io.meshfed.agent.AgentMain",
                  "join",
                  "--server",
                  invitation.server(),
                  "--ca-hash",
                  invitation.caHash(),
                  "--token-file",
                  SecretFiles.write(stateDir.resolve("join-token"), invitation.token()).toString(),
                  "--name",
                  peerName,
                  "--state-dir",
                  agentState.toString(),
                  "--interface",
                  iface));
      endpoints.forEach(e -> command.addAll(List.of("--endpoint", e)));
      File log = stateDir.resolve("agent.log").toFile();
      Process agent =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
      new ClientState(namespace, cluster, peerName, agent.pid(), iface).write(stateDir);
      out.printf(
          "peer/%s joining %s/%s (agent pid %d, log %s)%n",
          peerName, namespace, cluster, agent.pid(), log);
      out.flush();

      long deadline = System.nanoTime() + Durations.parse(timeout).toNanos();
      Peer ready;
      while (true) {
        ready = client.resources(Peer.class).inNamespace(namespace).withName(peerName).get();
        if (ready != null
            && ready.getStatus() != null
            && ready.getStatus().getPhase() == PeerPhase.READY) {
          break;
        }
        if (!agent.isAlive() || System.nanoTime() > deadline) {
          String tail =
              String.join(
                  "\n",
                  Files.readAllLines(log.toPath()).stream()
                      .skip(Math.max(0, Files.readAllLines(log.toPath()).size() - 10))
                      .toList());
          throw new IllegalStateException(
              "this machine did not become Ready"
                  + (agent.isAlive() ? " within " + timeout : " (the agent exited)")
                  + "; kubectl meshfed disconnect"
                  + " cleans up. The agent's last lines:\n"
                  + tail);
        }
        Thread.sleep(500);
      }
      String meshAddress = ready.getStatus().getMeshAddress();
      String domain = snapshot.cluster().getSpec().getDomain();
      out.printf(
          "connected: %s is %s on the mesh of %s/%s%n", peerName, meshAddress, namespace, cluster);
      out.printf(
          "names: <workload>.%s, answered by this machine's agent at %s:53%n", domain, meshAddress);
      out.println(
          Preflight.useMeshDns(iface, meshAddress, domain)
              ? "DNS: systemd-resolved sends *." + domain + " to the mesh"
              : "DNS: point a resolver for "
                  + domain
                  + " at "
                  + meshAddress
                  + " (no systemd-resolved here), e.g.\n"
                  + "  dig @"
                  + meshAddress
                  + " <workload>."
                  + domain);
      out.flush();
      return 0;
    }
  }
}
