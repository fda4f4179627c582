package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.Placement;
import io.meshfed.api.v1alpha1.Probe;
import io.meshfed.api.v1alpha1.ReplicaPlacement;
import io.meshfed.api.v1alpha1.ResourceAmounts;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.api.v1alpha1.WorkloadPort;
import io.meshfed.api.v1alpha1.WorkloadResources;
import io.meshfed.api.v1alpha1.WorkloadSpec;
import io.meshfed.api.v1alpha1.WorkloadStrategy;
import io.meshfed.provider.spi.Command;
import io.meshfed.provider.spi.Ipv4;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Replicas as real OCI containers: local agents run podman (in the host's mount namespace and the
 * peer's network namespace, decision 0020); images come from a real registry on the tests' bridge,
 * over TLS from a CA made for the test. A container workload on two peers answers by name from a
 * third; a crashing container restarts with backoff and says why; a pull that fails says
 * ImagePullFailed; an agent that restarts adopts its running containers.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerWorkloadTest {
  static final String NS = LocalMeshFixture.NS;
  static final String CLUSTER = "boxes";

  static final String USER = "puller";
  static final String PASSWORD = "s3cret-" + Long.toHexString(System.nanoTime());

  static LocalMeshFixture mesh;
  static TestRegistry registry;
  static String webImage;
  static String otherTag;

  @BeforeAll
  static void start() throws Exception {
    Path work = Path.of("target/e2e/containers").toAbsolutePath();
    Files.createDirectories(work);
    mesh =
        LocalMeshFixture.start(
            work,
            Map.of(
                "meshfed.local.agent-runtime",
                "podman",
                "meshfed.local.container-command",
                HostPodman.containerCommand(work)));
    mesh.createCluster(
        CLUSTER,
        "100.75.0.0/16",
        Map.of(
            "front", Map.of("tier", "front"),
            "back-1", Map.of("tier", "back"),
            "back-2", Map.of("tier", "back")));
    leaveAStaleAddressReservation("back-1");
    // the bridge exists now: the registry listens on its address
    registry =
        TestRegistry.start(
            work.resolve("registry"),
            LocalMeshFixture.BRIDGE_ADDRESS.split("/")[0],
            5000,
            USER,
            PASSWORD);
    webImage =
        registry.pushBusyboxImage("web", "1", Map.of("www/index.html", "hello from a container\n"));
    otherTag = registry.pushBusyboxImage("web", "2", Map.of("www/index.html", "two\n"));
    // the registry wants a login: the workloads name this Secret in imagePullSecrets
    pullSecret("registry-login", registry.dockerConfigJson());
    pullSecret(
        "wrong-login", TestRegistry.dockerConfigJson(registry.host, USER, "not-the-password"));
  }

  static void pullSecret(String name, String dockerConfigJson) {
    mesh.client
        .secrets()
        .inNamespace(NS)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withType("kubernetes.io/dockerconfigjson")
                .addToStringData(".dockerconfigjson", dockerConfigJson)
                .build())
        .create();
  }

  /**
   * What a {@code podman run} killed halfway (or a crash) leaves in CNI's IPAM: the first address
   * of the peer's containers reserved for a container that does not exist. It also outlives the
   * network, so an earlier run's leftover is one on the next run's network of the same name. The
   * agent must start its replicas anyway (it once asked for that same address again and again).
   */
  private static void leaveAStaleAddressReservation(String peer) throws Exception {
    if (!podman("info", "--format", "{{.Host.NetworkBackend}}").equals(List.of("cni"))) {
      return; // netavark keeps its allocations elsewhere
    }
    String subnet =
        mesh.client
            .resources(Peer.class)
            .inNamespace(NS)
            .withName(peer)
            .get()
            .getStatus()
            .getSubnet();
    String[] parts = subnet.split("/");
    int base = Ipv4.parse(parts[0]);
    int firstOfUpperHalf = base + (1 << (32 - Integer.parseInt(parts[1]))) / 2 + 1;
    Path reservations =
        Files.createDirectories(cniReservations().resolve("mf-" + CLUSTER + "-" + peer));
    Files.writeString(
        reservations.resolve(Ipv4.format(firstOfUpperHalf)), "0".repeat(64) + "\neth0");
  }

  private static Path cniReservations() {
    return Path.of("/var/lib/cni/networks");
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (mesh != null) {
        mesh.close();
      }
    } finally {
      if (registry != null) {
        registry.close();
      }
      // CNI keeps a removed network's reservations: ours go with the test
      try (var networks = Files.list(cniReservations())) {
        for (Path network :
            networks
                .filter(n -> n.getFileName().toString().startsWith("mf-" + CLUSTER + "-"))
                .toList()) {
          TestRegistry.deleteTree(network);
        }
      } catch (NoSuchFileException e) {
        // no CNI here
      }
    }
  }

  @Test
  @Order(1)
  void aContainerWorkloadOnTwoPeersAnswersByNameFromAThird() {
    mesh.client.resource(httpServer("web", 2)).inNamespace(NS).create();
    await()
        .atMost(Duration.ofSeconds(120))
        .untilAsserted(
            () ->
                assertThat(placements("web"))
                    .as(mesh.agentLogTail("back-1", 20))
                    .hasSize(2)
                    .allSatisfy(p -> assertThat(p.getState()).isEqualTo("Running"))
                    .extracting(ReplicaPlacement::getPeer)
                    .containsExactlyInAnyOrder("back-1", "back-2"));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              var fetched = fetchFromFront("http://web.mesh.internal:8080/");
              assertThat(fetched.stdout())
                  .as(fetched.stderr())
                  .isEqualTo("hello from a container\n");
            });
  }

  /** GET from the front peer, by name over the mesh. */
  private static Command.Result fetchFromFront(String url) {
    return Command.run(
        Duration.ofSeconds(15),
        null,
        List.of("ip", "netns", "exec", mesh.netns("front"), "curl", "-sf", "--max-time", "5", url));
  }

  @Test
  @Order(2)
  void aCrashingContainerRestartsWithBackoffAndSaysHowItEnded() {
    mesh.client
        .resource(
            workload(
                "crash",
                webImage,
                List.of("/bin/busybox", "sh", "-c", "echo going down; exit 3"),
                1,
                "back"))
        .inNamespace(NS)
        .create();
    awaitTheOnePlacement(
        "crash",
        p -> {
          assertThat(p.getState()).isEqualTo("Failed");
          assertThat(p.getReason()).isEqualTo("Exited");
          assertThat(p.getExitCode()).isEqualTo(3);
          assertThat(p.getMessage()).contains("exit code 3", "going down");
          assertThat(p.getRestarts()).isGreaterThanOrEqualTo(2);
        });
    // its output through kubectl meshfed logs: the engine's for this run, the one kept for the
    // run before it
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              var current = mesh.plugin("logs", "crash", "--tail", "1");
              assertThat(current.output()).as(current.output()).isEqualTo("going down\n");
              var previous = mesh.plugin("logs", "crash", "--previous");
              assertThat(previous.output()).as(previous.output()).isEqualTo("going down\n");
            });
  }

  @Test
  @Order(3)
  void anImageThatCannotBePulledSaysImagePullFailed() {
    mesh.client
        .resource(
            workload(
                "missing",
                registry.host + "/meshfed-test/web:no-such-tag",
                List.of("/bin/busybox", "true"),
                1,
                "back"))
        .inNamespace(NS)
        .create();
    awaitTheOnePlacement(
        "missing",
        p -> {
          assertThat(p.getState()).isEqualTo("Failed");
          assertThat(p.getReason()).isEqualTo("ImagePullFailed");
          assertThat(p.getMessage()).contains("could not pull", "no-such-tag");
        });
  }

  @Test
  @Order(4)
  void aRestartedAgentAdoptsItsRunningContainers() throws Exception {
    ReplicaPlacement running =
        placements("web").stream()
            .filter(p -> p.getPeer().equals("back-1"))
            .findFirst()
            .orElseThrow();
    String before = containerId(running.getReplica());
    // the agent process dies; the machine's loop starts it again
    long agent = agentPid("back-1");
    assertThat(ProcessHandle.of(agent).map(ProcessHandle::destroyForcibly)).hasValue(true);
    await().atMost(Duration.ofSeconds(60)).until(() -> agentPid("back-1") != agent);
    // it reports again, and the same container still serves
    await()
        .during(Duration.ofSeconds(10))
        .atMost(Duration.ofSeconds(40))
        .untilAsserted(
            () -> {
              assertThat(containerId(running.getReplica())).isEqualTo(before);
              assertThat(placements("web"))
                  .filteredOn(p -> p.getPeer().equals("back-1"))
                  .singleElement()
                  .satisfies(p -> assertThat(p.getState()).isEqualTo("Running"));
            });
  }

  @Test
  @Order(5)
  void wrongOrMissingRegistryCredentialsSayWhyAndTheSecretShowsNowhere() throws Exception {
    Workload wrong =
        workload("wrong", otherTag, List.of("/bin/busybox", "sleep", "600"), 1, "back");
    wrong.getSpec().setImagePullSecrets(List.of(new LocalObjectReference("wrong-login")));
    Workload none = workload("none", otherTag, List.of("/bin/busybox", "sleep", "600"), 1, "back");
    none.getSpec().setImagePullSecrets(List.of(new LocalObjectReference("no-such-secret")));
    mesh.client.resource(wrong).inNamespace(NS).create();
    mesh.client.resource(none).inNamespace(NS).create();
    await()
        .atMost(Duration.ofSeconds(90))
        .untilAsserted(
            () -> {
              assertThat(placements("wrong"))
                  .singleElement()
                  .satisfies(
                      p -> {
                        assertThat(p.getReason()).isEqualTo("ImagePullFailed");
                        assertThat(p.getMessage()).containsIgnoringCase("unauthorized");
                      });
              assertThat(condition("none", "Available"))
                  .satisfies(
                      c -> {
                        assertThat(c.getStatus()).isEqualTo("False");
                        assertThat(c.getReason()).isEqualTo("ImagePullSecretNotResolved");
                        assertThat(c.getMessage()).contains("no-such-secret does not exist");
                      });
            });
    // the password is in no status and in no agent's log; no credentials file is left behind
    for (String name : List.of("web", "crash", "missing", "wrong", "none")) {
      assertThat(
              new KubernetesSerialization()
                  .asJson(
                      mesh.client.resources(Workload.class).inNamespace(NS).withName(name).get()))
          .doesNotContain(PASSWORD);
    }
    for (String peer : List.of("front", "back-1", "back-2")) {
      assertThat(mesh.agentLogTail(peer, 10_000)).doesNotContain(PASSWORD);
      try (var files = Files.walk(mesh.agentState(peer))) {
        assertThat(files.map(Path::getFileName).map(Path::toString)).doesNotContain("auth.json");
      }
    }
  }

  @Test
  @Order(6)
  void aDeletedPeerTakesItsContainersAndItsNetworkAlong() {
    String agentLabel = "label=meshfed.io/agent=" + mesh.agentState("back-2");
    assertThat(podman("ps", "-aq", "--filter", agentLabel))
        .as("back-2 runs containers")
        .isNotEmpty();
    mesh.client.resources(Peer.class).inNamespace(NS).withName("back-2").delete();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              assertThat(podman("ps", "-aq", "--filter", agentLabel)).isEmpty();
              assertThat(podman("network", "ls", "-q", "--filter", agentLabel)).isEmpty();
            });
  }

  @Test
  @Order(7)
  void aReplicaGetsTrafficByNameOnlyWhileItsReadinessProbePasses() {
    Workload probed = httpServer("probed", 1);
    Probe readiness = Probe.httpGet("/ready", 8080);
    readiness.setPeriodSeconds(1);
    readiness.setFailureThreshold(1);
    probed.getSpec().setReadinessProbe(readiness);
    mesh.client.resource(probed).inNamespace(NS).create();

    // it runs, its probe gets 404: not ready, and its name does not answer
    awaitTheOnePlacement(
        "probed",
        p -> {
          assertThat(p.getState()).isEqualTo("Running");
          assertThat(p.getReady()).isFalse();
          assertThat(p.getReason()).isEqualTo("NotReady");
          assertThat(p.getMessage()).contains("GET :8080/ready failed", "HTTP 404");
        });
    assertThat(fetchFromFront("http://probed.mesh.internal:8080/").ok()).isFalse();

    String container = containerId("probed-0");
    podman("exec", container, "/bin/busybox", "sh", "-c", "echo ok > /www/ready");
    awaitTheOnePlacement("probed", p -> assertThat(p.getReady()).isTrue());
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(fetchFromFront("http://probed.mesh.internal:8080/ready").stdout())
                    .isEqualTo("ok\n"));

    // unready again: out of the names, and never restarted for it
    podman("exec", container, "/bin/busybox", "rm", "/www/ready");
    awaitTheOnePlacement("probed", p -> assertThat(p.getReady()).isFalse());
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> assertThat(fetchFromFront("http://probed.mesh.internal:8080/").ok()).isFalse());
    assertThat(containerId("probed-0")).isEqualTo(container);
  }

  @Test
  @Order(8)
  void aReplicaThatHangsIsStartedAgainByItsLivenessProbe() {
    // it runs, and never does what it is there for: its liveness check never passes
    Workload hangs =
        workload("hangs", webImage, List.of("/bin/busybox", "sleep", "600"), 1, "back");
    Probe liveness = Probe.exec("/bin/busybox", "test", "-f", "/tmp/alive");
    liveness.setPeriodSeconds(1);
    liveness.setFailureThreshold(2);
    hangs.getSpec().setLivenessProbe(liveness);
    mesh.client.resource(hangs).inNamespace(NS).create();
    awaitTheOnePlacement("hangs", p -> assertThat(p.getState()).isEqualTo("Running"));
    String first = containerId("hangs-0");
    awaitTheOnePlacement(
        "hangs",
        p -> {
          assertThat(p.getState()).isEqualTo("Failed");
          assertThat(p.getReason()).isEqualTo("Unhealthy");
          assertThat(p.getMessage())
              .startsWith(
                  "liveness probe exec [/bin/busybox, test, -f, /tmp/alive] failed 2 times in a row");
        });
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              assertThat(placements("hangs").get(0).getRestarts()).isGreaterThanOrEqualTo(1);
              assertThat(containerId("hangs-0")).isNotEqualTo(first);
            });
  }

  @Test
  @Order(9)
  void aClientPollingByNameNeverSeesTheServiceDownDuringARollout() throws Exception {
    Workload rolling = httpServer("rolling", 2);
    Probe readiness = Probe.httpGet("/", 8080);
    readiness.setPeriodSeconds(1);
    rolling.getSpec().setReadinessProbe(readiness);
    WorkloadStrategy oneAtATime = new WorkloadStrategy();
    oneAtATime.setMaxSurge(new IntOrString(1));
    oneAtATime.setMaxUnavailable(new IntOrString(0));
    rolling.getSpec().setStrategy(oneAtATime);
    mesh.client.resource(rolling).inNamespace(NS).create();
    awaitRolledOut("rolling", "hello from a container\n");

    List<String> failures = new CopyOnWriteArrayList<>();
    Set<String> answers = ConcurrentHashMap.newKeySet();
    AtomicBoolean polling = new AtomicBoolean(true);
    Thread client =
        new Thread(
            () -> {
              while (polling.get()) {
                Command.Result got = fetchFromFront("http://rolling.mesh.internal:8080/");
                if (got.ok()) {
                  answers.add(got.stdout());
                } else {
                  failures.add(Instant.now() + " exit " + got.exitCode() + " " + got.stderr());
                }
              }
            },
            "polling-client");
    client.start();
    try {
      Workload changed =
          mesh.client.resources(Workload.class).inNamespace(NS).withName("rolling").get();
      changed.getSpec().setImage(otherTag);
      mesh.client.resource(changed).inNamespace(NS).update();
      awaitRolledOut("rolling", "two\n");
    } finally {
      polling.set(false);
      client.join(20_000);
    }
    assertThat(answers).contains("hello from a container\n", "two\n");
    assertThat(failures).as("requests that failed during the rollout").isEmpty();
  }

  /** Every replica of the template's revision, ready, answering this by name; no other left. */
  private static void awaitRolledOut(String name, String answer) {
    await()
        .atMost(Duration.ofSeconds(120))
        .untilAsserted(
            () -> {
              Workload w =
                  mesh.client.resources(Workload.class).inNamespace(NS).withName(name).get();
              assertThat(condition(name, "Progressing").getReason())
                  .as(mesh.client.getKubernetesSerialization().asJson(w.getStatus()))
                  .isEqualTo("NewReplicasAvailable");
              assertThat(w.getStatus().getPlacements())
                  .hasSize(w.getSpec().getReplicas())
                  .allMatch(p -> Boolean.TRUE.equals(p.getReady()));
              assertThat(fetchFromFront("http://" + name + ".mesh.internal:8080/").stdout())
                  .isEqualTo(answer);
            });
  }

  private static List<String> podman(String... args) {
    List<String> argv = new ArrayList<>(List.of("podman"));
    argv.addAll(List.of(args));
    var result = Command.run(Duration.ofSeconds(20), null, argv);
    assertThat(result.ok()).as(argv + ": " + result.stderr()).isTrue();
    return result.stdout().lines().filter(l -> !l.isBlank()).toList();
  }

  /** The running container's ID, by the replica label the agent sets. */
  private static String containerId(String replica) {
    var ps =
        Command.run(
            Duration.ofSeconds(20),
            null,
            List.of(
                "podman",
                "ps",
                "-q",
                "--no-trunc",
                "--filter",
                "label=meshfed.io/replica=" + replica));
    assertThat(ps.ok()).as(ps.stderr()).isTrue();
    List<String> ids = ps.stdout().lines().filter(l -> !l.isBlank()).toList();
    assertThat(ids).as("containers of " + replica).hasSize(1);
    return ids.get(0);
  }

  /** The agent's JVM in the peer's namespace (its loop's child). */
  private static long agentPid(String peer) {
    String state = mesh.agentState(peer).toString();
    return ProcessHandle.allProcesses()
        .filter(
            p ->
                p.info()
                    .arguments()
                    .map(a -> List.of(a).contains(state) && List.of(a).contains("join"))
                    .orElse(false))
        .filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false))
        .mapToLong(ProcessHandle::pid)
        .findFirst()
        .orElse(-1);
  }

  /** Waits until the workload's one replica is as {@code expected} says. */
  private static void awaitTheOnePlacement(String workload, Consumer<ReplicaPlacement> expected) {
    await()
        .atMost(Duration.ofSeconds(90))
        .untilAsserted(
            () ->
                assertThat(placements(workload))
                    .as(
                        () ->
                            mesh.client.getKubernetesSerialization().asJson(placements(workload))
                                + "; "
                                + placements(workload).stream()
                                    .map(p -> mesh.agentLogTail(p.getPeer(), 30))
                                    .toList())
                    .singleElement()
                    .satisfies(expected::accept));
  }

  private static Condition condition(String workload, String type) {
    Workload w = mesh.client.resources(Workload.class).inNamespace(NS).withName(workload).get();
    return w == null || w.getStatus() == null
        ? null
        : w.getStatus().getConditions().stream()
            .filter(c -> type.equals(c.getType()))
            .findFirst()
            .orElse(null);
  }

  private static List<ReplicaPlacement> placements(String workload) {
    Workload w = mesh.client.resources(Workload.class).inNamespace(NS).withName(workload).get();
    return w == null || w.getStatus() == null ? List.of() : w.getStatus().getPlacements();
  }

  /** busybox's httpd on port 8080 serving the image's /www, on the back peers. */
  static Workload httpServer(String name, int replicas) {
    Workload server =
        workload(
            name,
            webImage,
            List.of("/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"),
            replicas,
            "back");
    server.getSpec().setPorts(List.of(port(8080)));
    return server;
  }

  static Workload workload(
      String name, String image, List<String> command, int replicas, String tier) {
    Workload workload = new Workload();
    workload.getMetadata().setName(name);
    WorkloadSpec spec = new WorkloadSpec();
    spec.setClusterRef(new ClusterReference(CLUSTER));
    spec.setReplicas(replicas);
    spec.setImage(image);
    spec.setCommand(command);
    WorkloadResources resources = new WorkloadResources();
    resources.setRequests(new ResourceAmounts(new Quantity("100m"), new Quantity("32Mi")));
    spec.setResources(resources);
    Placement placement = new Placement();
    LabelSelector selector = new LabelSelector();
    selector.setMatchLabels(Map.of("tier", tier));
    placement.setPeerSelector(selector);
    spec.setPlacement(placement);
    spec.setImagePullSecrets(List.of(new LocalObjectReference("registry-login")));
    workload.setSpec(spec);
    return workload;
  }

  private static WorkloadPort port(int number) {
    WorkloadPort port = new WorkloadPort();
    port.setPort(number);
    return port;
  }
}
