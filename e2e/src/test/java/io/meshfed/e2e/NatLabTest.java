package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshClusterSpec;
import io.meshfed.api.v1alpha1.NetworkSpec;
import io.meshfed.api.v1alpha1.PathSummary;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.PeerRole;
import io.meshfed.e2e.NatLab.Host;
import io.meshfed.e2e.NatLab.Nat;
import io.meshfed.provider.local.LocalMachineProvider;
import io.meshfed.provider.spi.Command;
import io.meshfed.provider.spi.SecretFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Peers behind real NAT (nftables in network namespaces), joined as a user joins hosts: with the
 * cluster token. One peer sits on the "internet" (the e2e bridge) as it is; behind routers: two
 * cloud VMs with 1:1 NAT in two clouds, two hosts behind home routers (one of them on a 1380-byte
 * link), two hosts behind one office router, two hosts each behind a symmetric NAT (a new port for
 * every flow). Every pair must find its path by itself: direct where NAT lets it, through the
 * gateway peer where it does not. The test asserts which, and writes the matrix to {@code
 * target/e2e/natlab/nat-lab.json}.
 *
 * <p>One kind of pair may be direct or relayed, and must work either way: the second host behind
 * the office router shares its NAT's port with the first, so toward a peer the first already talks
 * to its flows get another port — to a peer behind a NAT of its own, that looks like symmetric NAT.
 * Whether it does depends on which flow came first; the relay makes it work when it does.
 *
 * <p>Then the lab breaks things: one peer loses the agent API for two minutes, the gateway stops
 * being one and comes back, a router's uplink is cut for a minute.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NatLabTest {
  static final String NS = LocalMeshFixture.NS;
  static final String CLUSTER = "lab";
  static LocalMeshFixture mesh;
  static KubernetesClient client;
  static NatLab lab;

  /** Hosts by peer name; "pub" is the local peer on the internet. */
  static final Map<String, Host> hosts = new LinkedHashMap<>();

  static final Map<String, String> interfaces = new ConcurrentHashMap<>();

  /** When each host's agent was started (pub: when its Peer was created). */
  static final Map<String, Instant> started = new ConcurrentHashMap<>();

  /** Per pair: seconds from the later of its two peers starting to the first ping answered. */
  static final Map<List<String>, Double> firstPacket = new ConcurrentHashMap<>();

  static final ExecutorService probes = Executors.newCachedThreadPool();

  /** The matrix's rows, written again with what later tests measure. */
  static final List<Map<String, Object>> matrix = new ArrayList<>();

  static final Map<String, Object> recoveries = new LinkedHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    mesh = LocalMeshFixture.start(Path.of("target/e2e/natlab"));
    client = mesh.client;
    MeshCluster cluster = new MeshCluster();
    cluster.getMetadata().setName(CLUSTER);
    MeshClusterSpec spec = new MeshClusterSpec();
    NetworkSpec network = new NetworkSpec();
    network.setCidr("100.70.0.0/16");
    network.setMtu(1280); // the 1380-byte link must carry full-size traffic
    spec.setNetwork(network);
    cluster.setSpec(spec);
    client.resource(cluster).inNamespace(NS).create();
    Peer pub = LocalMeshFixture.localPeer(CLUSTER, "pub", Map.of());
    pub.getSpec().setRoles(List.of(PeerRole.WORKER, PeerRole.GATEWAY));
    client.resource(pub).inNamespace(NS).create();
    started.put("pub", Instant.now());
    await().atMost(Duration.ofSeconds(90)).until(() -> mesh.phase("pub") == PeerPhase.READY);

    lab = new NatLab(LocalMeshFixture.BRIDGE);
    lab.router("cloud1", 11, Nat.ONE_TO_ONE, null);
    lab.router("cloud2", 15, Nat.ONE_TO_ONE, null);
    lab.router("home1", 12, Nat.MASQUERADE, null);
    lab.router("home2", 13, Nat.MASQUERADE, 1380);
    lab.router("office", 14, Nat.MASQUERADE, null);
    lab.router("cgnat1", 16, Nat.SYMMETRIC, null);
    lab.router("cgnat2", 17, Nat.SYMMETRIC, null);
    join(lab.host("cloud1", "cloud-a"), "mfwca");
    join(lab.host("cloud2", "cloud-b"), "mfwcb");
    join(lab.host("home1", "home-a"), "mfwha");
    join(lab.host("home2", "home-b"), "mfwhb");
    join(lab.host("office", "site-a"), "mfwsa");
    for (String name : List.of("cloud-a", "cloud-b", "home-a", "home-b", "site-a")) {
      await().atMost(Duration.ofSeconds(90)).until(() -> mesh.phase(name) == PeerPhase.READY);
    }
    // the office's second host comes once the first talks to everyone: its flows are remapped
    await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> reaches("site-a", List.of("pub", "cloud-a", "home-a", "home-b")));
    join(lab.host("office", "site-b"), "mfwsb");
    await().atMost(Duration.ofSeconds(90)).until(() -> mesh.phase("site-b") == PeerPhase.READY);
    join(lab.host("cgnat1", "sym-a"), "mfwya");
    join(lab.host("cgnat2", "sym-b"), "mfwyb");
    for (String name : List.of("sym-a", "sym-b")) {
      await().atMost(Duration.ofSeconds(90)).until(() -> mesh.phase(name) == PeerPhase.READY);
    }
  }

  @AfterAll
  static void stop() {
    try {
      if (lab != null) {
        lab.close();
      }
    } finally {
      probes.shutdownNow();
      if (mesh != null) {
        mesh.close();
      }
    }
  }

  static void join(Host host, String wgInterface) throws Exception {
    hosts.put(host.name(), host);
    interfaces.put(host.name(), wgInterface);
    String token = AgentApiAccess.joinToken(client, NS, CLUSTER).orElseThrow();
    String caHash = AgentApiAccess.caHash(client, NS).orElseThrow();
    Path state = Files.createTempDirectory(mesh.work, "agent-" + host.name());
    lab.start(
        host,
        List.of(
            ProcessHandle.current().info().command().orElse("java"),
            "-Xmx64m",
            "-jar",
            mesh.repo.resolve("agent/target/meshfed-agent.jar").toString(),
            "join",
            "--server",
            "https://198.19.0.1:" + mesh.operator().httpsPort(),
            "--ca-hash",
            caHash,
            "--token-file",
            SecretFiles.write(state.resolve("join-token"), token).toString(),
            "--name",
            host.name(),
            "--interface",
            wgInterface,
            "--status-interval",
            "2s",
            "--state-dir",
            state.toString()),
        mesh.work.resolve("agent-" + host.name() + ".log"));
    Instant now = Instant.now();
    for (String other : List.copyOf(started.keySet())) {
      List<String> pair = List.of(other, host.name());
      probes.submit(() -> firstPacket(pair, now));
    }
    started.put(host.name(), now);
  }

  /** Pings over the mesh once a second until the pair answers (for three minutes at most). */
  static void firstPacket(List<String> pair, Instant since) {
    Instant until = since.plus(Duration.ofMinutes(3));
    while (Instant.now().isBefore(until) && !Thread.currentThread().isInterrupted()) {
      try {
        if (pingOnce(pair.get(0), pair.get(1))) {
          firstPacket.put(pair, Duration.between(since, Instant.now()).toMillis() / 1000.0);
          return;
        }
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException | AssertionError e) {
        sleepQuietly(); // its Peer has no address yet
      }
    }
  }

  private static void sleepQuietly() {
    try {
      Thread.sleep(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** How a pair must connect. */
  enum Expect {
    DIRECT,
    RELAYED,
    /** the office's second host toward another NAT: whichever works (see the class comment) */
    EITHER
  }

  /** Every pair, and the path it must end on. */
  static Map<List<String>, Expect> paths() {
    List<String> names = new ArrayList<>(List.of("pub"));
    names.addAll(hosts.keySet());
    Map<List<String>, Expect> pairs = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      for (int j = i + 1; j < names.size(); j++) {
        String a = names.get(i);
        String b = names.get(j);
        boolean reachableSide = reachable(a) || reachable(b);
        boolean symmetric = a.startsWith("sym-") || b.startsWith("sym-");
        boolean officeSecond =
            (a.equals("site-b") || b.equals("site-b"))
                && (a.startsWith("home-") || b.startsWith("home-"));
        pairs.put(
            List.of(a, b),
            symmetric && !reachableSide
                ? Expect.RELAYED
                : officeSecond ? Expect.EITHER : Expect.DIRECT);
      }
    }
    return pairs;
  }

  /** Reachable from anywhere: on the internet, or behind 1:1 NAT. */
  static boolean reachable(String peer) {
    return peer.equals("pub") || peer.startsWith("cloud-");
  }

  @Test
  @Order(1)
  void everyPairFindsItsPathDirectWhereNatLetsItThroughTheGatewayWhereNot() throws Exception {
    Map<List<String>, Expect> pairs = paths();
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofSeconds(3))
        .untilAsserted(
            () -> {
              List<String> missing = new ArrayList<>();
              pairs.forEach(
                  (pair, path) -> {
                    if (path != Expect.EITHER && !ping(pair.get(0), pair.get(1))) {
                      missing.add(pair.get(0) + " → " + pair.get(1));
                    }
                  });
              assertThat(missing).as("pairs without a path").isEmpty();
            });
    // the relayed ones go through the gateway: its entry holds the other side's subnet
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                pairs.forEach(
                    (pair, path) -> {
                      boolean viaPub = throughPub(pair.get(0), pair.get(1));
                      if (path == Expect.RELAYED) {
                        assertThat(viaPub).as(pair + " relayed by pub").isTrue();
                      } else if (path == Expect.DIRECT) {
                        assertThat(viaPub).as(pair + " direct").isFalse();
                      }
                    }));
    writeMatrix(pairs);
    // and the cluster says so
    long relayed = pairs.values().stream().filter(e -> e == Expect.RELAYED).count();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(
                        client
                            .resources(MeshCluster.class)
                            .inNamespace(NS)
                            .withName(CLUSTER)
                            .get()
                            .getStatus()
                            .getConditions())
                    .anySatisfy(
                        c -> {
                          assertThat(c.getType()).isEqualTo("MeshConnected");
                          assertThat(c.getStatus()).isEqualTo("True");
                          assertThat(c.getMessage())
                              .startsWith(pairs.size() + " pairs: ")
                              .contains(relayed + " relayed through gateways");
                        }));
    // each peer's status says how it reaches the others, and the gateway for how many it relays
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              var symA = mesh.peer("sym-a").getStatus().getPaths();
              assertThat(symA.getRelayedPeers())
                  .extracting(PathSummary.Link::getPeer, PathSummary.Link::getVia)
                  .contains(tuple("sym-b", "pub"));
              assertThat(symA.getUnreachable()).isZero();
              assertThat(symA.getDirect() + symA.getRelayed()).isEqualTo(hosts.size());
              assertThat(symA.getObservedEndpoints())
                  .as("where peers see sym-a: its NAT, a port per flow")
                  .isNotEmpty()
                  .allSatisfy(e -> assertThat(e).startsWith(lab.wanAddress("cgnat1") + ":"));
              assertThat(mesh.peer("pub").getStatus().getPaths().getRelaying())
                  .isGreaterThanOrEqualTo((int) relayed);
            });
    // and troubleshoot draws it
    var troubleshoot = mesh.plugin("troubleshoot", CLUSTER);
    assertThat(troubleshoot.output())
        .contains("✓ mesh paths: " + pairs.size() + " pairs: ")
        .contains("✓ direct, ↻ relayed through a gateway, ✗ none")
        .contains("sym-a ↻ sym-b via pub");
    assertThat(troubleshoot.output().lines().filter(l -> l.startsWith("  sym-a ")).findFirst())
        .hasValueSatisfying(row -> assertThat(row).contains("↻").doesNotContain("✗"));
    // a peer behind symmetric NAT reaches everyone (directly or relayed): it is Healthy
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(mesh.peer("sym-a").getStatus().getConditions())
                    .anySatisfy(
                        c -> {
                          assertThat(c.getType()).isEqualTo("Healthy");
                          assertThat(c.getStatus()).as(c.getMessage()).isEqualTo("True");
                        }));
  }

  @Test
  @Order(2)
  void relayedTrafficCrossesTheGatewayAndDirectTrafficDoesNot() throws Exception {
    long before = pubReceivedFrom("sym-a");
    assertThat(
            run(
                    "sym-a",
                    "ping",
                    "-c",
                    "20",
                    "-i",
                    "0.05",
                    "-s",
                    "1000",
                    "-W",
                    "2",
                    meshAddress("sym-b"))
                .ok())
        .isTrue();
    assertThat(pubReceivedFrom("sym-a") - before)
        .as("bytes pub received from sym-a")
        .isGreaterThan(20_000);
    // and the operator counts what its gateway relays
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(relayedBytes("pub"))
                    .as("meshfed_relay_received_bytes_total of pub")
                    .isGreaterThan(20_000));

    long homeBefore = pubReceivedFrom("home-a");
    assertThat(
            run(
                    "home-a",
                    "ping",
                    "-c",
                    "20",
                    "-i",
                    "0.05",
                    "-s",
                    "1000",
                    "-W",
                    "2",
                    meshAddress("home-b"))
                .ok())
        .isTrue();
    assertThat(pubReceivedFrom("home-a") - homeBefore)
        .as("a direct pair's bytes do not cross pub")
        .isLessThan(5_000);
  }

  /** Pair, NAT kinds, expected and observed path, the endpoint each side uses. */
  static void writeMatrix(Map<List<String>, Expect> pairs) throws Exception {
    List<Map<String, Object>> rows = new ArrayList<>();
    pairs.forEach(
        (pair, path) -> {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("pair", pair);
          row.put("nat", List.of(natOf(pair.get(0)), natOf(pair.get(1))));
          row.put(
              "expected",
              path == Expect.EITHER ? "direct or relayed" : path.name().toLowerCase(Locale.ROOT));
          boolean reachable = ping(pair.get(0), pair.get(1));
          row.put(
              "observed",
              !reachable
                  ? "none"
                  : throughPub(pair.get(0), pair.get(1)) ? "relayed via pub" : "direct");
          row.put("reachable", reachable);
          row.put(
              "endpoints",
              List.of(
                  endpointSeen(pair.get(0), pair.get(1)), endpointSeen(pair.get(1), pair.get(0))));
          row.put("time_to_first_packet_s", firstPacket.get(pair));
          rows.add(row);
        });
    matrix.clear();
    matrix.addAll(rows);
    saveMatrix();
  }

  /** The matrix and the recoveries measured so far, to target/e2e/natlab/nat-lab.json. */
  static void saveMatrix() throws Exception {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("lab", "nat");
    document.put("pairs", matrix);
    document.put("recoveries", recoveries);
    Files.writeString(
        mesh.work.resolve("nat-lab.json"),
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(document));
  }

  static String natOf(String peer) {
    if (peer.equals("pub")) {
      return "none";
    }
    if (peer.startsWith("sym-")) {
      return "symmetric";
    }
    return peer.startsWith("cloud-")
        ? "1:1"
        : peer.startsWith("home-") ? "home masquerade" : "office masquerade (shared)";
  }

  /** Whether the first peer sends to the second through pub: pub's entry holds its subnet. */
  static boolean throughPub(String from, String to) {
    if (from.equals("pub") || to.equals("pub")) {
      return false;
    }
    String pubKey = mesh.peer("pub").getStatus().getPublicKey();
    String subnet = mesh.peer(to).getStatus().getSubnet();
    return run(from, "wg", "show", interfaces.get(from), "allowed-ips")
        .stdout()
        .lines()
        .anyMatch(l -> l.startsWith(pubKey) && l.contains(subnet));
  }

  /** Bytes pub's WireGuard received from a peer so far. */
  static long pubReceivedFrom(String peer) {
    String key = mesh.peer(peer).getStatus().getPublicKey();
    return Command.run(
            Duration.ofSeconds(10), null, List.of("wg", "show", pubInterface(), "transfer"))
        .stdout()
        .lines()
        .filter(l -> l.startsWith(key))
        .mapToLong(l -> Long.parseLong(l.split("\\s+")[1]))
        .findFirst()
        .orElse(0);
  }

  @Test
  @Order(3)
  void eachPairUsesTheEndpointItShould() {
    // 1:1 NAT: a VM in another cloud, and a host behind a home router, use its public address
    assertThat(endpointSeen("cloud-a", "cloud-b"))
        .isEqualTo(hosts.get("cloud-b").publicAddress() + ":51820");
    assertThat(endpointSeen("home-a", "cloud-a"))
        .isEqualTo(hosts.get("cloud-a").publicAddress() + ":51820");
    // same office: over the LAN, not through the router
    assertThat(endpointSeen("site-a", "site-b"))
        .isEqualTo(hosts.get("site-b").lanAddress() + ":51820");
    assertThat(endpointSeen("site-b", "site-a"))
        .isEqualTo(hosts.get("site-a").lanAddress() + ":51820");
    // two home routers: each at the other's NAT, the hole punched from both sides
    assertThat(endpointSeen("home-a", "home-b")).isEqualTo(lab.wanAddress("home2") + ":51820");
    assertThat(endpointSeen("home-b", "home-a")).isEqualTo(lab.wanAddress("home1") + ":51820");
  }

  @Test
  @Order(4)
  void noProcessOfTheHostHasATokenOnItsCommandLine() throws Exception {
    // /proc/<pid>/cmdline is world-readable: join tokens, bootstrap tokens, peer credentials and
    // the cluster's secrets never appear in one (agents of the local provider and of the lab's
    // hosts, the operator, the test's tools)
    List<String> leaks = new ArrayList<>();
    try (var procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        String cmdline;
        try {
          cmdline = new String(Files.readAllBytes(proc.resolve("cmdline"))).replace('\0', ' ');
        } catch (IOException e) {
          continue; // gone meanwhile
        }
        if (cmdline.matches("(?s).*\\bmf[jbp]:[a-z0-9-]+:[a-z0-9-]+:.*")) {
          leaks.add(proc.getFileName() + ": " + cmdline);
        }
      }
    }
    assertThat(leaks).isEmpty();
  }

  @Test
  @Order(4)
  void theLowMtuLinkCarriesFullSizeTraffic() throws Exception {
    assertThat(run("home-b", "ip", "-o", "link", "show", interfaces.get("home-b")).stdout())
        .contains("mtu 1280");
    String server = meshAddress("cloud-a");
    Process listener = null;
    try {
      listener =
          lab.start(
              hosts.get("cloud-a"),
              List.of("python3", "-c", RECEIVER.formatted(server)),
              mesh.work.resolve("receiver.log"));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> run("cloud-a", "ss", "-ltn").stdout().contains(server + ":7000"));
      var sent =
          run(
              "home-b",
              "python3",
              "-c",
              "import socket; s=socket.create_connection(('%s',7000),timeout=20); s.sendall(b'x'*10_000_000);"
                      .formatted(server)
                  + " s.shutdown(socket.SHUT_WR); print(s.recv(64).decode())");
      assertThat(sent.ok()).as(sent.stderr()).isTrue();
      assertThat(sent.stdout().strip()).as("bytes the far end received").isEqualTo("10000000");
    } finally {
      if (listener != null) {
        listener.destroyForcibly();
      }
    }
  }

  @Test
  @Order(5)
  void aPeerThatCannotReachTheOperatorForTwoMinutesKeepsItsTunnels() throws Exception {
    lab.blockTcp("home1", "198.19.0.1", mesh.operator().httpsPort());
    Instant blocked = Instant.now();
    try {
      // every pair with it works the whole time: it stays on every other peer's map
      await()
          .during(Duration.ofSeconds(120))
          .atMost(Duration.ofSeconds(150))
          .pollInterval(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                for (String other : hosts.keySet()) {
                  if (!other.equals("home-a")) {
                    assertThat(ping("home-a", other)).as("home-a → " + other).isTrue();
                  }
                }
                assertThat(ping("pub", "home-a")).as("pub → home-a").isTrue();
              });
      // and its status says it cannot report, and why
      assertThat(mesh.phase("home-a")).isEqualTo(PeerPhase.NOT_READY);
      assertThat(mesh.peer("home-a").getStatus().getConditions())
          .anySatisfy(
              c -> {
                assertThat(c.getType()).isEqualTo("Ready");
                assertThat(c.getReason()).isEqualTo("HeartbeatMissed");
                assertThat(c.getMessage()).startsWith("no heartbeat from the agent since");
              });
    } finally {
      lab.unblock("home1");
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> mesh.phase("home-a") == PeerPhase.READY);
    recoveries.put(
        "agent_api_blocked",
        Map.of(
            "peer",
            "home-a",
            "blocked_s",
            120,
            "pairs_working_throughout",
            true,
            "ready_again_after_unblock_s",
            Duration.between(blocked, Instant.now()).toSeconds() - 120));
    saveMatrix();
  }

  @Test
  @Order(6)
  void withoutTheGatewaySymmetricPairsAreUnreachableWithWhyAndRecoverWhenItReturns()
      throws Exception {
    setGateway(false);
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () ->
                  assertThat(clusterCondition("MeshConnected"))
                      .satisfies(
                          c -> {
                            assertThat(c.getStatus()).isEqualTo("False");
                            assertThat(c.getReason()).isEqualTo("PairsUnreachable");
                            assertThat(c.getMessage())
                                .containsPattern("\\d+ without a path: ")
                                .contains(
                                    " have no direct path and the cluster has no gateway peer to"
                                        + " relay: add a peer with role gateway");
                          }));
      // the peer's status follows with its agent's next report
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(mesh.peer("sym-a").getStatus().getPaths().getUnreachablePeers())
                      .isNotNull()
                      .anySatisfy(
                          link -> {
                            assertThat(link.getPeer()).isEqualTo("sym-b");
                            assertThat(link.getReason()).contains("no gateway peer to relay");
                          }));
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> !ping("sym-a", "sym-b")); // the relay's routes leave the maps
      var troubleshoot = mesh.plugin("troubleshoot", CLUSTER);
      assertThat(troubleshoot.exit()).isEqualTo(1);
      assertThat(troubleshoot.output())
          .contains("✗ mesh paths: ")
          .contains("hint: pairs behind NAT that cannot reach each other need a gateway peer")
          .contains("sym-a ✗ sym-b: ");
    } finally {
      setGateway(true);
    }
    Instant back = Instant.now();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> ping("sym-a", "sym-b"));
    double recovered = Duration.between(back, Instant.now()).toMillis() / 1000.0;
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> assertThat(clusterCondition("MeshConnected").getStatus()).isEqualTo("True"));
    assertThat(throughPub("sym-a", "sym-b")).isTrue();
    recoveries.put(
        "gateway_removed_and_back",
        Map.of("pair", List.of("sym-a", "sym-b"), "relayed_again_after_s", recovered));
    saveMatrix();
  }

  @Test
  @Order(7)
  void aRouterCutOffForAMinuteHasEveryPairBackWithinThirtySeconds() throws Exception {
    lab.cutUplink("home1");
    Instant restored;
    try {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> !ping("home-a", "cloud-a") && !ping("home-a", "home-b"));
      Thread.sleep(Duration.ofSeconds(60).toMillis());
    } finally {
      lab.restoreUplink("home1");
      restored = Instant.now();
    }
    Map<String, Double> back = new ConcurrentHashMap<>();
    List<Future<?>> waits = new ArrayList<>();
    List<String> others = new ArrayList<>(List.of("pub"));
    others.addAll(hosts.keySet());
    others.remove("home-a");
    for (String other : others) {
      waits.add(
          probes.submit(
              () -> {
                while (Duration.between(restored, Instant.now()).toSeconds() < 45) {
                  if (pingOnce("home-a", other)) {
                    back.put(other, Duration.between(restored, Instant.now()).toMillis() / 1000.0);
                    return;
                  }
                  sleepQuietly();
                }
              }));
    }
    for (var wait : waits) {
      wait.get(60, TimeUnit.SECONDS);
    }
    recoveries.put(
        "uplink_cut",
        Map.of(
            "router", "home1", "peer", "home-a", "cut_s", 60, "back_after_s", new TreeMap<>(back)));
    saveMatrix();
    assertThat(back.keySet())
        .as("pairs with home-a working again")
        .containsExactlyInAnyOrderElementsOf(others);
    assertThat(back.values()).allSatisfy(seconds -> assertThat(seconds).isLessThanOrEqualTo(30.0));
  }

  static void setGateway(boolean gateway) {
    client
        .resources(Peer.class)
        .inNamespace(NS)
        .withName("pub")
        .edit(
            p -> {
              p.getSpec()
                  .setRoles(
                      gateway
                          ? List.of(PeerRole.WORKER, PeerRole.GATEWAY)
                          : List.of(PeerRole.WORKER));
              return p;
            });
  }

  static Condition clusterCondition(String type) {
    return client
        .resources(MeshCluster.class)
        .inNamespace(NS)
        .withName(CLUSTER)
        .get()
        .getStatus()
        .getConditions()
        .stream()
        .filter(c -> c.getType().equals(type))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no condition " + type));
  }

  /** meshfed_relay_received_bytes_total of a gateway, as the operator exposes it. */
  static double relayedBytes(String gateway) throws Exception {
    return mesh.metrics()
        .lines()
        .filter(l -> l.startsWith("meshfed_relay_received_bytes_total{"))
        .filter(l -> l.contains("gateway=\"" + gateway + "\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  private static final String RECEIVER =
      "import socket\n"
          + "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
          + "s.bind(('%s',7000)); s.listen(1); c,_=s.accept(); n=0\n"
          + "while True:\n"
          + "  b=c.recv(65536)\n"
          + "  if not b: break\n"
          + "  n+=len(b)\n"
          + "c.sendall(str(n).encode()); c.close()\n";

  static boolean reaches(String from, List<String> others) {
    return others.stream().allMatch(to -> ping(from, to));
  }

  static boolean ping(String from, String to) {
    String address = meshAddress(to);
    List<String> argv = List.of("ping", "-c", "2", "-i", "0.2", "-W", "2", address);
    Command.Result result =
        from.equals("pub")
            ? Command.run(
                Duration.ofSeconds(10),
                null,
                concat(List.of("ip", "netns", "exec", mesh.netns("pub")), argv))
            : lab.run(hosts.get(from), Duration.ofSeconds(10), argv.toArray(String[]::new));
    return result.ok();
  }

  /** One ping, one second to answer. */
  static boolean pingOnce(String from, String to) {
    String address = meshAddress(to);
    List<String> argv = List.of("ping", "-c", "1", "-W", "1", address);
    Command.Result result =
        from.equals("pub")
            ? Command.run(
                Duration.ofSeconds(5),
                null,
                concat(List.of("ip", "netns", "exec", mesh.netns("pub")), argv))
            : lab.run(hosts.get(from), Duration.ofSeconds(5), argv.toArray(String[]::new));
    return result.ok();
  }

  static Command.Result run(String host, String... argv) {
    return lab.run(hosts.get(host), Duration.ofSeconds(60), argv);
  }

  static String meshAddress(String peer) {
    return mesh.meshAddress(peer);
  }

  /** The endpoint the first peer's WireGuard uses for the second. */
  static String endpointSeen(String from, String to) {
    String key = mesh.peer(to).getStatus().getPublicKey();
    String dump =
        from.equals("pub")
            ? Command.run(Duration.ofSeconds(10), null, List.of("wg", "show", "all", "endpoints"))
                .stdout()
                .lines()
                .filter(l -> l.startsWith(pubInterface() + "\t"))
                .map(l -> l.substring(l.indexOf('\t') + 1))
                .reduce("", (x, y) -> x + y + "\n")
            : run(from, "wg", "show", interfaces.get(from), "endpoints").stdout();
    Optional<String> line = dump.lines().filter(l -> l.startsWith(key)).findFirst();
    return line.map(l -> l.split("\\s+")[1]).orElse("(none)");
  }

  /** The local peer's interface, as the local provider names it. */
  static String pubInterface() {
    return LocalMachineProvider.wireguardInterfaceOf(mesh.peer("pub").getMetadata().getUid());
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
