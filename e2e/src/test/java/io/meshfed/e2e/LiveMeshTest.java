package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.agent.PinnedTrust;
import io.meshfed.agent.WgDump;
import io.meshfed.agent.WireGuardImplementation;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.provider.local.LocalMachineProvider;
import io.meshfed.provider.spi.Command;
import io.meshfed.provider.spi.SecretFiles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A live mesh: the real API server, the operator's jar, three local peers (network namespaces with
 * agents and wireguard-go) — every point proven through the data plane. Its own bridge and underlay
 * (198.19.0.0/16) keep it apart from a quick start running on the same host.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LiveMeshTest {
  static final String NS = LocalMeshFixture.NS;
  static final Path stateRoot = LocalMeshFixture.STATE_ROOT;
  static final String BRIDGE = LocalMeshFixture.BRIDGE;
  static LocalMeshFixture mesh;
  static KubernetesClient client;
  static Path work;
  static Path repo;
  static Process hostAgent;

  @BeforeAll
  static void start() throws Exception {
    mesh = LocalMeshFixture.start(Path.of("target/e2e/mesh"));
    client = mesh.client;
    work = mesh.work;
    repo = mesh.repo;
    mesh.createCluster(
        "e2e", "100.72.0.0/16", Map.of("p1", Map.of(), "p2", Map.of(), "p3", Map.of()));
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (hostAgent != null) {
        hostAgent.destroyForcibly().waitFor();
      }
      Command.run(
          Duration.ofSeconds(10),
          null,
          List.of(
              "bash",
              "-c",
              "for p in $(ip netns pids mf-e2e-host 2>/dev/null); do kill -9 $p; done; ip netns delete mf-e2e-host"));
    } finally {
      if (mesh != null) {
        mesh.close();
      }
    }
  }

  @Test
  @Order(1)
  void threePeersReachEachOtherThroughWireGuard() throws Exception {
    // the map reaches every agent a moment after the last peer turns Ready
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> ping("p1", meshAddress("p3")) && ping("p3", meshAddress("p1")));
    for (String from : List.of("p1", "p2", "p3")) {
      Map<String, Long> before = transferred(from);
      for (String to : List.of("p1", "p2", "p3")) {
        if (!from.equals(to)) {
          assertThat(ping(from, meshAddress(to))).as(from + " → " + to).isTrue();
        }
      }
      WgDump after = wg(from);
      assertThat(after.peers()).hasSize(2);
      after
          .peers()
          .values()
          .forEach(
              p -> {
                assertThat(p.latestHandshake()).as("handshake on " + from).isPositive();
                assertThat(p.rxBytes() + p.txBytes())
                    .as("bytes on " + from)
                    .isGreaterThan(before.getOrDefault(p.publicKey(), 0L));
              });
    }
    // where the host has no WireGuard module every agent runs the userspace build it was given (the
    // current one hack/test.sh builds), says so in status, and the agent API serves it to installs
    String binary =
        Objects.requireNonNullElse(System.getenv("MESHFED_WIREGUARD_GO"), "wireguard-go");
    String expected =
        Files.isDirectory(Path.of("/sys/module/wireguard"))
            ? "kernel"
            : "wireguard-go "
                + WireGuardImplementation.parseVersion(
                    Command.check(Duration.ofSeconds(10), List.of(binary, "--version")));
    for (String name : List.of("p1", "p2", "p3")) {
      assertThat(peer(name, true).getStatus().getAgent().getWireguard())
          .as(name)
          .isEqualTo(expected);
    }
    if (binary.contains("/")) {
      HttpResponse<byte[]> served =
          HttpClient.newBuilder()
              .sslContext(
                  PinnedTrust.context(AgentApiAccess.caHash(client, "default").orElseThrow()))
              .build()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "https://127.0.0.1:"
                                  + mesh.operator().httpsPort()
                                  + "/api/v1/wireguard-go"))
                      .build(),
                  HttpResponse.BodyHandlers.ofByteArray());
      assertThat(served.statusCode()).isEqualTo(200);
      assertThat(served.body()).isEqualTo(Files.readAllBytes(Path.of(binary)));
    }
    // what the agents report about those handshakes reaches each Peer's status (troubleshoot's
    // matrix)
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              for (String name : List.of("p1", "p2", "p3")) {
                var handshakes =
                    client
                        .resources(Peer.class)
                        .inNamespace(NS)
                        .withName(name)
                        .get()
                        .getStatus()
                        .getHandshakes();
                assertThat(handshakes.getExpected()).as(name).isEqualTo(2);
                assertThat(handshakes.getRecent()).as(name).isEqualTo(2);
                assertThat(handshakes.getMissingCount()).as(name).isZero();
                assertThat(handshakes.getMissing()).as(name).isNull();
              }
            });
  }

  /**
   * A key rotation on a live mesh: p1 pings p2 every 100 ms throughout; p2 is asked to rotate (as
   * {@code kubectl meshfed rotate-keys} asks), makes and proves a new key, and every peer switches
   * to it. The longest run of lost pings is the pair's outage.
   */
  @Test
  @Order(3)
  void aRotatedKeyReachesEveryPeerAndThePairLosesAtMostAFewSeconds() throws Exception {
    Peer before = peer("p2", true);
    String oldKey = before.getStatus().getPublicKey();
    Path state = stateRoot.resolve(before.getMetadata().getUid()).resolve("agent");
    String oldPrivate = Files.readString(state.resolve("private.key"));
    Path pings = work.resolve("rotation-pings.txt");
    Process pinging =
        new ProcessBuilder(
                "ip",
                "netns",
                "exec",
                netns("p1"),
                "ping",
                "-n",
                "-i",
                "0.1",
                "-w",
                "30",
                meshAddress("p2"))
            .redirectErrorStream(true)
            .redirectOutput(pings.toFile())
            .start();
    try {
      Thread.sleep(3000);
      String request = "e2e-" + System.currentTimeMillis();
      client
          .resources(Peer.class)
          .inNamespace(NS)
          .withName("p2")
          .edit(
              p -> {
                p.getMetadata().getAnnotations().put(MeshfedApi.ROTATE_KEY_ANNOTATION, request);
                return p;
              });
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () -> {
                Peer after = peer("p2", true);
                assertThat(after.getStatus().getKeyRotation()).isNotNull();
                assertThat(after.getStatus().getKeyRotation().getRequest()).isEqualTo(request);
                assertThat(after.getStatus().getPublicKey()).isNotEqualTo(oldKey);
                // every other peer holds the new key and not the old one
                for (String other : List.of("p1", "p3")) {
                  assertThat(wg(other).peers()).containsKey(after.getStatus().getPublicKey());
                  assertThat(wg(other).peers()).doesNotContainKey(oldKey);
                }
              });
      assertThat(Files.readString(state.resolve("private.key"))).isNotEqualTo(oldPrivate);
    } finally {
      pinging.waitFor();
    }
    // the replies' sequence numbers: the longest gap between two of them is the outage
    List<Integer> answered = new ArrayList<>();
    double slowest = 0;
    for (String line : Files.readAllLines(pings)) {
      int at = line.indexOf("icmp_seq=");
      if (at >= 0 && line.contains("bytes from")) {
        answered.add(Integer.parseInt(line.substring(at + 9).split("\\s")[0]));
        int time = line.indexOf("time=");
        if (time >= 0) {
          slowest = Math.max(slowest, Double.parseDouble(line.substring(time + 5).split("\\s")[0]));
        }
      }
    }
    assertThat(answered)
        .as(() -> "pings answered; " + mesh.agentLogTail("p2", 40))
        .hasSizeGreaterThan(100);
    int longestGap = 0;
    for (int i = 1; i < answered.size(); i++) {
      longestGap = Math.max(longestGap, answered.get(i) - answered.get(i - 1) - 1);
    }
    double outage = longestGap * 0.1;
    String measured =
        String.format(
            "key rotation: longest outage p1 → p2 %.1f s, %d pings answered, slowest %.0f ms",
            outage, answered.size(), slowest);
    System.out.println(measured);
    Files.writeString(work.resolve("rotation-outage.txt"), measured + "\n");
    assertThat(outage).as("seconds without an answer during the rotation").isLessThanOrEqualTo(5.0);
    assertThat(ping("p3", meshAddress("p2"))).isTrue();
  }

  /**
   * A rotation of the agent API's CA under live agents: asked for on the CA Secret, the next CA
   * reaches every agent in a status answer, signs once all three trust it, and the agents go on
   * reporting to the new chain without joining again (their heartbeat Leases renew after it).
   */
  @Test
  @Order(3)
  void theAgentApiCaRotatesUnderLiveAgentsWhoFollowWithoutJoiningAgain() throws Exception {
    String oldCa = cluster().getStatus().getCaHash();
    client
        .secrets()
        .inNamespace("default")
        .withName("meshfed-agent-api-ca")
        .edit(
            s -> {
              s.getMetadata().setAnnotations(Map.of("meshfed.io/rotate-ca", "e2e"));
              return s;
            });
    await()
        .atMost(Duration.ofSeconds(90))
        .ignoreExceptions()
        .until(() -> !cluster().getStatus().getCaHash().equals(oldCa));
    String newCa = cluster().getStatus().getCaHash();
    Instant promoted = Instant.now();
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              for (String name : List.of("p1", "p2", "p3")) {
                Path membership =
                    stateRoot
                        .resolve(peer(name, true).getMetadata().getUid())
                        .resolve("agent/membership.json");
                assertThat(
                        new ObjectMapper()
                            .readTree(membership.toFile())
                            .path("caHashes")
                            .toString())
                    .as(name + " pins only the new CA")
                    .isEqualTo("[\"" + newCa + "\"]");
                var lease =
                    client
                        .leases()
                        .inNamespace(NS)
                        .withName(name + "-meshfed-agent")
                        .get()
                        .getSpec()
                        .getRenewTime()
                        .toInstant();
                assertThat(lease).as(name + " reports to the new chain").isAfter(promoted);
              }
            });
    for (String name : List.of("p1", "p2", "p3")) {
      assertThat(peer(name, true).getStatus().getPhase()).isEqualTo(PeerPhase.READY);
    }
    assertThat(ping("p1", meshAddress("p3"))).isTrue();
  }

  @Test
  @Order(2)
  void anAgentRestartKeepsItsKeyAndAddress() throws Exception {
    Peer before = peer("p2", true);
    Path state = stateRoot.resolve(before.getMetadata().getUid()).resolve("agent");
    String key = Files.readString(state.resolve("private.key"));
    long agentPid = agentPid("p2");
    ProcessHandle.of(agentPid).orElseThrow().destroy(); // SIGTERM; its restart loop starts it again
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> agentPid("p2") != agentPid && agentPid("p2") > 0);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                Files.readString(
                        stateRoot.resolve(before.getMetadata().getUid()).resolve("agent.log"))
                    .contains("already joined as " + NS + "/p2"));
    assertThat(Files.readString(state.resolve("private.key"))).isEqualTo(key);
    Peer after = peer("p2", true);
    assertThat(after.getStatus().getPublicKey()).isEqualTo(before.getStatus().getPublicKey());
    assertThat(after.getStatus().getMeshAddress()).isEqualTo(before.getStatus().getMeshAddress());
    assertThat(ping("p1", meshAddress("p2"))).isTrue();
  }

  @Test
  @Order(3)
  void withTheOperatorStoppedTheMeshWorksAndAgentsResyncWithoutJoiningAgain() throws Exception {
    Map<String, String> membership = new HashMap<>();
    for (String name : List.of("p1", "p2", "p3")) {
      membership.put(
          name,
          client
              .secrets()
              .inNamespace(NS)
              .withName(name + "-meshfed-agent")
              .get()
              .getMetadata()
              .getResourceVersion());
    }
    mesh.operator().kill();
    long logBefore = Files.size(mesh.operator().log());
    try {
      for (String from : List.of("p1", "p3")) {
        assertThat(ping(from, meshAddress("p2")))
            .as(() -> "with the operator down, " + from + " → p2; " + mesh.agentLogTail("p2", 30))
            .isTrue();
      }
    } finally {
      mesh.startOperator(); // the later tests need it even when this one failed
    }
    // the agents come back to the new operator process with their credentials: Ready, no new join
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(logSince(logBefore))
                    .contains("Started event processing for controller: peer"));
    // for a few status intervals against the new process
    await()
        .during(Duration.ofSeconds(8))
        .atMost(Duration.ofSeconds(12))
        .untilAsserted(
            () -> {
              for (String name : List.of("p1", "p2", "p3")) {
                assertThat(phase(name)).isEqualTo(PeerPhase.READY);
                assertThat(
                        client
                            .secrets()
                            .inNamespace(NS)
                            .withName(name + "-meshfed-agent")
                            .get()
                            .getMetadata()
                            .getResourceVersion())
                    .as("membership of " + name)
                    .isEqualTo(membership.get(name));
              }
            });
    assertThat(logSince(logBefore)).doesNotContain(" joined (");
    assertThat(ping("p3", meshAddress("p1"))).isTrue();
  }

  /**
   * The interface loses its key (a configuration that failed half-way, a hand edit): the agent puts
   * the key on disk — the one the operator holds — back, and the pair talks again.
   */
  @Test
  @Order(4)
  void anInterfaceThatLostItsKeyTakesTheAgentsKeyBack() throws Exception {
    String key = peer("p2", true).getStatus().getPublicKey();
    assertThat(wg("p2").publicKey()).isEqualTo(key);
    Path stranger = work.resolve("stranger.key");
    SecretFiles.write(stranger, Command.check(Duration.ofSeconds(10), List.of("wg", "genkey")));
    Command.check(
        Duration.ofSeconds(10),
        List.of(
            "ip",
            "netns",
            "exec",
            netns("p2"),
            "wg",
            "set",
            LocalMachineProvider.wireguardInterfaceOf(peer("p2", true).getMetadata().getUid()),
            "private-key",
            stranger.toString()));
    assertThat(wg("p2").publicKey()).isNotEqualTo(key);
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertThat(wg("p2").publicKey())
                    .as(() -> mesh.agentLogTail("p2", 20))
                    .isEqualTo(key));
    await().atMost(Duration.ofSeconds(15)).until(() -> ping("p1", meshAddress("p2")));
  }

  @Test
  @Order(4)
  void aHostJoiningWithTheClusterTokenBecomesAStaticPeerOnTheMesh() throws Exception {
    String ns = "mf-e2e-host";
    Command.check("ip", "netns", "add", ns);
    Command.check(
        "ip", "link", "add", "mfvhost", "type", "veth", "peer", "name", "eth0", "netns", ns);
    Command.check("ip", "link", "set", "mfvhost", "master", BRIDGE, "up");
    Command.check("ip", "netns", "exec", ns, "ip", "addr", "add", "198.19.200.1/16", "dev", "eth0");
    Command.check("ip", "netns", "exec", ns, "ip", "link", "set", "eth0", "up");
    String token = AgentApiAccess.joinToken(client, NS, "e2e").orElseThrow();
    String caHash = AgentApiAccess.caHash(client, "default").orElseThrow();
    List<String> argv =
        new ArrayList<>(
            List.of(
                "ip",
                "netns",
                "exec",
                ns,
                ProcessHandle.current().info().command().orElse("java"),
                "-jar",
                repo.resolve("agent/target/meshfed-agent.jar").toString(),
                "join",
                "--server",
                "https://198.19.0.1:" + mesh.operator().httpsPort(),
                "--ca-hash",
                caHash,
                "--token-file",
                SecretFiles.write(work.resolve("host-join-token"), token).toString(),
                "--name",
                "e2e-host",
                "--interface",
                "mfwhost0",
                "--status-interval",
                "2s",
                // a fresh state directory: an earlier run's membership would make the agent skip
                // joining
                "--state-dir",
                Files.createTempDirectory(work, "host-agent").toString()));
    hostAgent =
        new ProcessBuilder(argv)
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("host-agent.log").toFile())
            .start();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(() -> assertThat(phase("e2e-host")).isEqualTo(PeerPhase.READY));
    assertThat(peer("e2e-host", true).getSpec().getProvider()).isEqualTo(ProviderType.STATIC);
    await().atMost(Duration.ofSeconds(20)).until(() -> ping("p1", meshAddress("e2e-host")));
    assertThat(
            Command.run(
                    Duration.ofSeconds(10),
                    null,
                    List.of(
                        "ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "2", meshAddress("p3")))
                .ok())
        .isTrue();
  }

  @Test
  @Order(5)
  void deletingAPeerTakesItOffEveryInterfaceAndRemovesItsMachine() throws Exception {
    Peer gone = peer("p3", true);
    String key = gone.getStatus().getPublicKey();
    String namespace = gone.getStatus().getProviderID().replace("local:///", "");
    long agent = agentPid("p3");
    client.resource(gone).delete();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(wg("p1").peers()).doesNotContainKey(key);
              assertThat(wg("p2").peers()).doesNotContainKey(key);
            });
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              assertThat(Path.of("/run/netns", namespace)).doesNotExist();
              assertThat(ProcessHandle.of(agent).map(ProcessHandle::isAlive).orElse(false))
                  .isFalse();
              assertThat(client.resources(Peer.class).inNamespace(NS).withName("p3").get())
                  .isNull();
            });
  }

  // --- helpers ---

  static String logSince(long offset) throws IOException {
    byte[] all = Files.readAllBytes(mesh.operator().log());
    return new String(
        all,
        (int) Math.min(offset, all.length),
        (int) Math.max(0, all.length - offset),
        StandardCharsets.UTF_8);
  }

  static MeshCluster cluster() {
    return client.resources(MeshCluster.class).inNamespace(NS).withName("e2e").get();
  }

  static Peer peer(String name, boolean required) {
    return mesh.peer(name);
  }

  static PeerPhase phase(String name) {
    return mesh.phase(name);
  }

  static String meshAddress(String name) {
    return mesh.meshAddress(name);
  }

  static String netns(String name) {
    return mesh.netns(name);
  }

  static boolean ping(String from, String address) {
    return mesh.ping(from, address);
  }

  static WgDump wg(String name) {
    String iface =
        LocalMachineProvider.wireguardInterfaceOf(peer(name, true).getMetadata().getUid());
    return WgDump.parse(
        Command.check(
            Duration.ofSeconds(10),
            List.of("ip", "netns", "exec", netns(name), "wg", "show", iface, "dump")));
  }

  static Map<String, Long> transferred(String name) {
    Map<String, Long> bytes = new HashMap<>();
    wg(name).peers().values().forEach(p -> bytes.put(p.publicKey(), p.rxBytes() + p.txBytes()));
    return bytes;
  }

  /** The agent's JVM in the peer's namespace (not its restart loop). */
  static long agentPid(String name) {
    String pids =
        Command.run(Duration.ofSeconds(10), null, List.of("ip", "netns", "pids", netns(name)))
            .stdout();
    for (String pid : pids.split("\\s+")) {
      if (pid.isBlank()) {
        continue;
      }
      var handle = ProcessHandle.of(Long.parseLong(pid.trim()));
      if (handle.isPresent()
          && handle
              .get()
              .info()
              .commandLine()
              .map(c -> c.contains("meshfed-agent.jar") && !c.contains("while"))
              .orElse(false)) {
        return handle.get().pid();
      }
    }
    return -1;
  }
}
