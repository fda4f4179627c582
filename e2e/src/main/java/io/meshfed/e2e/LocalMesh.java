package io.meshfed.e2e;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.Workload;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The quick start: a local control plane, the operator against it, and an example mesh cluster.
 * Prints {@code kubectl get mc,peers} when the operator has acted on every object, then runs until
 * interrupted ({@code --once}: stops right away).
 */
public final class LocalMesh {
  private LocalMesh() {}

  /** Held so that the setting outlives garbage collection of the logger. */
  private static final Logger VERSION_NAG =
      Logger.getLogger("io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils");

  public static void main(String[] args) throws Exception {
    // v1alpha1 is our own API's version, not news to the person who runs this
    VERSION_NAG.setLevel(Level.SEVERE);
    boolean once = List.of(args).contains("--once");
    String runtime = runtimeOf(List.of(args));
    Path repo = Path.of(System.getProperty("meshfed.repo", ".")).toAbsolutePath().normalize();
    Path workDir =
        Path.of(
            System.getProperty(
                "meshfed.workdir",
                Path.of(System.getProperty("user.home"), ".cache", "meshfed", "local").toString()));
    int exit =
        run(repo, workDir, repo.resolve("examples/local-cluster.yaml"), once, runtime, Map.of());
    System.exit(exit);
  }

  /** {@code --runtime process|podman} (process by default: it runs everywhere). */
  static String runtimeOf(List<String> args) {
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String value =
          arg.startsWith("--runtime=")
              ? arg.substring("--runtime=".length())
              : arg.equals("--runtime") && i + 1 < args.size() ? args.get(i + 1) : null;
      if (value != null) {
        if (!List.of(PROCESS, PODMAN).contains(value)) {
          throw new IllegalArgumentException("--runtime is process or podman, not " + value);
        }
        return value;
      }
    }
    return PROCESS;
  }

  static final String PROCESS = "process";
  static final String PODMAN = "podman";

  /** The hello workload's image with {@code --runtime podman}: busybox's httpd and a page. */
  static final String HELLO_IMAGE = "localhost/meshfed/hello:1";

  public static int run(Path repo, Path workDir, Path example, boolean once) throws Exception {
    return run(repo, workDir, example, once, PROCESS, Map.of());
  }

  /**
   * @param runtime how the agents run replicas: process, or podman (the example's workloads then
   *     run {@link #HELLO_IMAGE}, built here)
   * @param extraProperties operator settings on top of the local ones (the tests' podman setup)
   */
  public static int run(
      Path repo,
      Path workDir,
      Path example,
      boolean once,
      String runtime,
      Map<String, String> extraProperties)
      throws Exception {
    Instant started = Instant.now();
    // Ctrl-C: the reaper (which stops the operator and the API server when the JVM ends) first
    // waits here while this thread tears the clusters down with both still running, since the JVM
    // halts as soon as its hooks return
    CountDownLatch interrupted = new CountDownLatch(1);
    CountDownLatch cleanedUp = new CountDownLatch(1);
    AutoCloseable teardownFirst =
        () -> {
          interrupted.countDown();
          cleanedUp.await(30, TimeUnit.SECONDS);
        };
    Reaper.registerFirst(teardownFirst);
    say("starting kube-apiserver and etcd on loopback");
    Path stateRoot = Path.of(STATE_ROOT);
    Map<String, String> properties =
        new HashMap<>(LocalMachines.operatorProperties(repo, stateRoot, BRIDGE, BRIDGE_ADDRESS));
    properties.put("meshfed.leader-election.namespace", "default");
    if (PODMAN.equals(runtime)) {
      properties.put("meshfed.local.agent-runtime", PODMAN);
      say("building " + HELLO_IMAGE + " (busybox httpd) into podman's storage");
      BusyboxImage.build(
          workDir.resolve("image"),
          HELLO_IMAGE,
          Map.of("www/index.html", "hello from a meshfed container\n"));
    }
    properties.putAll(extraProperties);
    LocalMachines.sweep(stateRoot, BRIDGE, BRIDGE_ADDRESS); // what an earlier run may have left
    try (ControlPlane plane = ControlPlane.start(workDir, repo.resolve("crds"));
        OperatorProcess operator =
            OperatorProcess.start(
                repo.resolve("operator/target/quarkus-app/quarkus-run.jar"),
                plane.kubeconfig(),
                workDir.resolve("operator.log"),
                properties)) {
      say("started the operator (pid " + operator.pid() + ", log " + operator.log() + ")");
      KubernetesClient client = plane.client();
      try (InputStream in = Files.newInputStream(example)) {
        List<HasMetadata> objects =
            client.load(in).items().stream()
                .map(o -> PODMAN.equals(runtime) ? asContainer(client, o) : o)
                .toList();
        objects.forEach(o -> client.resource(o).inNamespace("default").serverSideApply());
        say("applied " + objects.size() + " objects from " + example.getFileName());
      }
      try {
        if (!awaitReady(client, Duration.ofSeconds(120))) {
          say(
              "the peers did not all become Ready within 120 s; see "
                  + operator.log()
                  + " and the agents' logs under "
                  + stateRoot);
          kubectl(plane, "get", "mc,peers,workloads", "-n", "default", "-o", "wide");
          return 1;
        }
        say("ready in " + Duration.between(started, Instant.now()).toMillis() + " ms\n");
        kubectl(plane, "get", "mc,peers,workloads", "-n", "default", "-o", "wide");
        printHowToLookInside(client);
        if (!once) {
          System.out.printf(
              "%nThe local control plane runs until Ctrl-C. In another shell:%n"
                  + "  export KUBECONFIG=%s%n  %s get mc,peers,workloads -o wide%n",
              plane.kubeconfig(), ControlPlane.kubectl());
          interrupted.await();
          say("stopping");
        }
        return 0;
      } finally {
        tearDown(client);
      }
    } finally {
      LocalMachines.sweep(stateRoot, BRIDGE, BRIDGE_ADDRESS);
      cleanedUp.countDown();
      Reaper.unregister(teardownFirst);
    }
  }

  /** The example's process workloads as the same server in a container; the rest as they are. */
  static HasMetadata asContainer(KubernetesClient client, HasMetadata object) {
    if (!"Workload".equals(object.getKind())) {
      return object;
    }
    Workload workload = client.getKubernetesSerialization().convertValue(object, Workload.class);
    workload.getSpec().setImage(HELLO_IMAGE);
    workload
        .getSpec()
        .setCommand(List.of("/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"));
    return workload;
  }

  static final String STATE_ROOT = "/run/meshfed-local";
  static final String BRIDGE = "mfbr0";
  static final String BRIDGE_ADDRESS = "198.18.0.1/16";

  /**
   * Every peer Ready (its agent joined and reports), the cluster counting them all, and every
   * workload's replicas running.
   */
  public static boolean awaitReady(KubernetesClient client, Duration timeout)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      List<Peer> peers = client.resources(Peer.class).inNamespace("default").list().getItems();
      List<MeshCluster> clusters =
          client.resources(MeshCluster.class).inNamespace("default").list().getItems();
      boolean done =
          !clusters.isEmpty()
              && !peers.isEmpty()
              && clusters.stream()
                  .allMatch(
                      c ->
                          c.getStatus() != null
                              && c.getStatus().getPeers() != null
                              && c.getStatus().getPeers().getReady() == peers.size())
              && peers.stream()
                  .allMatch(
                      p ->
                          p.getStatus() != null
                              && p.getStatus().getPhase() == PeerPhase.READY
                              && p.getStatus().getAgent() != null
                              && p.getStatus().getAgent().getLastHeartbeatTime() != null)
              && client.resources(Workload.class).inNamespace("default").list().getItems().stream()
                  .allMatch(
                      w ->
                          w.getStatus() != null
                              && w.getStatus().getReadyReplicas() != null
                              && w.getStatus()
                                  .getReadyReplicas()
                                  .equals(w.getSpec().getReplicas()));
      if (done) {
        return true;
      }
      String progress = progress(peers);
      if (!progress.equals(lastProgress)) {
        say("waiting: " + progress);
        lastProgress = progress;
      }
      Thread.sleep(250);
    }
    return false;
  }

  private static String lastProgress = "";

  /** "1/3 peers Ready (bravo Joining, charlie Provisioning)": what the wait is waiting for. */
  static String progress(List<Peer> peers) {
    List<String> notReady =
        peers.stream()
            .filter(p -> p.getStatus() == null || p.getStatus().getPhase() != PeerPhase.READY)
            .map(
                p ->
                    p.getMetadata().getName()
                        + " "
                        + (p.getStatus() == null || p.getStatus().getPhase() == null
                            ? "Pending"
                            : p.getStatus().getPhase().value()))
            .sorted()
            .toList();
    return (peers.size() - notReady.size())
        + "/"
        + peers.size()
        + " peers Ready"
        + (notReady.isEmpty()
            ? ", the workloads starting"
            : " (" + String.join(", ", notReady) + ")");
  }

  private static void printHowToLookInside(KubernetesClient client) {
    List<Peer> peers = client.resources(Peer.class).inNamespace("default").list().getItems();
    if (peers.size() < 2) {
      return;
    }
    Peer first = peers.get(0);
    Peer second = peers.get(1);
    String ns = first.getStatus().getProviderID().replace("local:///", "");
    System.out.printf(
        "%nEach local peer is a network namespace. Open a shell in %s and ping %s over the mesh:%n"
            + "  sudo ip netns exec %s bash%n  ping %s        # %s's mesh address, through WireGuard%n"
            + "  wg show                  # handshakes and bytes per peer%n"
            + "  getent hosts hello.demo.mesh                    # the workload's replicas, from the agent's DNS%n"
            + "  python3 -c \"import urllib.request as u; print(u.urlopen('http://hello.demo.mesh:8080/').status)\"%n",
        first.getMetadata().getName(),
        second.getMetadata().getName(),
        ns,
        second.getStatus().getMeshAddress(),
        second.getMetadata().getName());
  }

  /** Deletes the example's clusters and waits for their peers' machines to go, as a user would. */
  private static void tearDown(KubernetesClient client) throws InterruptedException {
    client.resources(MeshCluster.class).inNamespace("default").delete();
    Instant deadline = Instant.now().plusSeconds(30);
    int left = client.resources(Peer.class).inNamespace("default").list().getItems().size();
    while (Instant.now().isBefore(deadline) && left > 0) {
      Thread.sleep(250);
      left = client.resources(Peer.class).inNamespace("default").list().getItems().size();
    }
    say(
        left == 0
            ? "deleted the clusters; their peers are gone"
            : "deleted the clusters; "
                + left
                + " peers still there after 30 s (the sweep removes them)");
  }

  private static void kubectl(ControlPlane plane, String... args)
      throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(
                ControlPlane.kubectl().toString(), "--kubeconfig", plane.kubeconfig().toString()));
    command.addAll(List.of(args));
    new ProcessBuilder(command).inheritIO().start().waitFor();
  }

  private static void say(String line) {
    System.out.println("meshfed: " + line);
  }
}
