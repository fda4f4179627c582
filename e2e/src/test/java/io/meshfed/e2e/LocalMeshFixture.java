package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshClusterSpec;
import io.meshfed.api.v1alpha1.NetworkSpec;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.PeerSpec;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.provider.spi.Command;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A live mesh for the e2e tests: the real API server, the operator's jar as a process, and local
 * peers (network namespaces with agents and wireguard-go) on a bridge and underlay of the tests'
 * own (198.19.0.0/16), apart from a quick start on the same host. The tests using it run one after
 * another and each sweeps what an earlier run may have left.
 */
final class LocalMeshFixture implements AutoCloseable {
  static final String NS = "default";
  static final Path STATE_ROOT = Path.of("/run/meshfed-e2e");
  static final String BRIDGE = "mfbre2e";
  static final String BRIDGE_ADDRESS = "198.19.0.1/16";

  final Path repo = Path.of(System.getProperty("meshfed.crds")).getParent();
  final Path work;
  final ControlPlane plane;
  final KubernetesClient client;
  private OperatorProcess operator;

  /** The operator's HTTP port (health, metrics): kept across restarts like the agent API's. */
  private int httpPort;

  /** Operator properties a test adds (or overrides), kept across restarts. */
  private final Map<String, String> extraProperties;

  private LocalMeshFixture(Path work, Map<String, String> extraProperties) throws Exception {
    this.work = work;
    this.extraProperties = Map.copyOf(extraProperties);
    sweep();
    this.plane = ControlPlane.start(work, Path.of(System.getProperty("meshfed.crds")));
    this.client = plane.client();
    startOperator();
  }

  /**
   * @param work where the control plane's and operator's files go, e.g. target/e2e/mesh
   */
  static LocalMeshFixture start(Path work) throws Exception {
    return start(work, Map.of());
  }

  /** The same with these operator properties added, e.g. local agents running podman. */
  static LocalMeshFixture start(Path work, Map<String, String> operatorProperties)
      throws Exception {
    return new LocalMeshFixture(work.toAbsolutePath(), operatorProperties);
  }

  /** What an earlier run left: machines, and the containers their agents ran. */
  private void sweep() {
    String command = extraProperties.get("meshfed.local.container-command");
    if (command == null) {
      LocalMachines.sweep(STATE_ROOT, BRIDGE, BRIDGE_ADDRESS);
    } else {
      LocalMachines.sweep(STATE_ROOT, BRIDGE, BRIDGE_ADDRESS, List.of(command.split("\\s+")));
    }
  }

  OperatorProcess operator() {
    return operator;
  }

  /** Starts the operator (again, after a kill): on the same agent API port, which agents know. */
  void startOperator() throws Exception {
    Map<String, String> properties =
        new HashMap<>(LocalMachines.operatorProperties(repo, STATE_ROOT, BRIDGE, BRIDGE_ADDRESS));
    properties.put("meshfed.leader-election.namespace", "default");
    properties.put("meshfed.peer.heartbeat-grace", "15s");
    properties.put("meshfed.scheduler.not-ready-grace", "20s");
    // a CA rotation asked for signs once the agents trust it, not after ten minutes
    properties.put("meshfed.agent-api.tls.ca-rotation.min-overlap", "0s");
    properties.put("meshfed.agent-api.tls.ca-rotation.check-interval", "1s");
    properties.putAll(extraProperties);
    if (operator != null) {
      properties.put("quarkus.http.ssl-port", Integer.toString(operator.httpsPort()));
    } else {
      httpPort = OperatorProcess.freePort();
    }
    properties.put("quarkus.http.port", Integer.toString(httpPort));
    operator =
        OperatorProcess.start(
            Path.of(System.getProperty("meshfed.operator.jar")),
            plane.kubeconfig(),
            work.resolve("operator.log"),
            properties);
  }

  /** The operator's metrics as Prometheus scrapes them. */
  String metrics() throws Exception {
    var request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/q/metrics"))
            .timeout(Duration.ofSeconds(10))
            .build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).body();
  }

  record Plugin(int exit, String output) {}

  /** The plugin's jar as a user runs it, with the test cluster's kubeconfig. */
  Plugin plugin(String... args) throws Exception {
    return pluginAs(plane.kubeconfig(), args);
  }

  /** The plugin's command line, as the user of {@code kubeconfig}. */
  List<String> pluginCommand(Path kubeconfig, String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-jar",
                Path.of(System.getProperty("meshfed.cli.jar")).toString(),
                "--kubeconfig",
                kubeconfig.toString(),
                "-n",
                NS));
    command.addAll(List.of(args));
    return command;
  }

  /** The plugin run to its end as the user of {@code kubeconfig}. */
  Plugin pluginAs(Path kubeconfig, String... args) throws Exception {
    List<String> command = pluginCommand(kubeconfig, args);
    Path output = Files.createTempFile("cli", ".out");
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      if (!process.waitFor(150, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("kubectl-meshfed still running after 150 s: " + command);
      }
      return new Plugin(process.exitValue(), Files.readString(output));
    } finally {
      Files.deleteIfExists(output);
    }
  }

  /** A cluster of local peers, all Ready before this returns. */
  void createCluster(String name, String cidr, Map<String, Map<String, String>> peersWithLabels) {
    MeshCluster cluster = new MeshCluster();
    cluster.getMetadata().setName(name);
    MeshClusterSpec spec = new MeshClusterSpec();
    NetworkSpec network = new NetworkSpec();
    network.setCidr(cidr);
    network.setPersistentKeepalive(5);
    spec.setNetwork(network);
    cluster.setSpec(spec);
    client.resource(cluster).inNamespace(NS).create();
    peersWithLabels.forEach(
        (peer, labels) -> client.resource(localPeer(name, peer, labels)).inNamespace(NS).create());
    await()
        .atMost(Duration.ofSeconds(120))
        .untilAsserted(
            () ->
                assertThat(peersWithLabels.keySet())
                    .allSatisfy(peer -> assertThat(phase(peer)).isEqualTo(PeerPhase.READY)));
  }

  static Peer localPeer(String cluster, String name, Map<String, String> labels) {
    Peer peer = new Peer();
    peer.getMetadata().setName(name);
    PeerSpec spec = new PeerSpec();
    spec.setClusterRef(new ClusterReference(cluster));
    spec.setProvider(ProviderType.LOCAL);
    spec.setLabels(labels.isEmpty() ? null : labels);
    peer.setSpec(spec);
    return peer;
  }

  Peer peer(String name) {
    Peer peer = client.resources(Peer.class).inNamespace(NS).withName(name).get();
    assertThat(peer).as("peer " + name).isNotNull();
    return peer;
  }

  PeerPhase phase(String name) {
    Peer peer = client.resources(Peer.class).inNamespace(NS).withName(name).get();
    return peer == null || peer.getStatus() == null ? null : peer.getStatus().getPhase();
  }

  String meshAddress(String name) {
    return peer(name).getStatus().getMeshAddress();
  }

  String netns(String name) {
    return peer(name).getStatus().getProviderID().replace("local:///", "");
  }

  /** The peer's agent's state directory on this host. */
  Path agentState(String name) {
    return STATE_ROOT.resolve(peer(name).getMetadata().getUid()).resolve("agent");
  }

  boolean ping(String from, String address) {
    var result =
        Command.run(
            Duration.ofSeconds(15),
            null,
            List.of(
                "ip",
                "netns",
                "exec",
                netns(from),
                "ping",
                "-c",
                "2",
                "-i",
                "0.2",
                "-W",
                "2",
                address));
    if (!result.ok()) {
      System.out.println(
          "ping " + from + " → " + address + ": " + result.stdout() + result.stderr());
    }
    return result.ok();
  }

  /** The last lines of a peer's agent log, for an assertion's message. */
  String agentLogTail(String name, int lines) {
    try {
      List<String> all =
          Files.readAllLines(
              STATE_ROOT.resolve(peer(name).getMetadata().getUid()).resolve("agent.log"));
      return "agent log of "
          + name
          + ", last lines:\n"
          + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (Exception e) {
      return "no agent log of " + name + ": " + e;
    }
  }

  /** Every peer's agent log, copied beside the operator's before teardown removes them. */
  private void keepAgentLogs() {
    try {
      Path kept = Files.createDirectories(work.resolve("agents"));
      for (Peer peer : client.resources(Peer.class).inNamespace(NS).list().getItems()) {
        Path log = STATE_ROOT.resolve(peer.getMetadata().getUid()).resolve("agent.log");
        if (Files.exists(log)) {
          Files.copy(
              log,
              kept.resolve(peer.getMetadata().getName() + ".log"),
              StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (Exception e) {
      System.out.println("could not keep the agent logs: " + e);
    }
  }

  /**
   * Deletes every cluster (the operator tears down their peers), then stops everything it started.
   */
  @Override
  public void close() {
    try {
      keepAgentLogs();
      if (operator != null) {
        client.resources(MeshCluster.class).inNamespace(NS).delete();
        await()
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptions()
            .until(() -> client.resources(Peer.class).inNamespace(NS).list().getItems().isEmpty());
      }
    } finally {
      if (operator != null) {
        operator.close();
      }
      plane.close();
      sweep();
    }
  }
}
