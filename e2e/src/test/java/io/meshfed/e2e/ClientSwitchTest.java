package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerRole;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.provider.spi.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * kubectl meshfed switch from this host into a live local mesh: the host becomes a client peer with
 * its own WireGuard interface and reaches a workload by name (through its agent's DNS, with a
 * resolv.conf of its own for the fetch), then disconnect takes the interface and the Peer away.
 */
class ClientSwitchTest {
  static final String NS = LocalMeshFixture.NS;
  static final Path STATE = Path.of("target/e2e/switch/client-state").toAbsolutePath();
  static LocalMeshFixture mesh;

  @BeforeAll
  static void start() throws Exception {
    mesh = LocalMeshFixture.start(Path.of("target/e2e/switch"));
    mesh.createCluster("reach", "100.77.0.0/16", Map.of("alpha", Map.of()));
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (Files.exists(STATE.resolve("state.json"))) {
        cli("disconnect", "--state-dir", STATE.toString());
      }
    } finally {
      Command.run(Duration.ofSeconds(10), null, List.of("ip", "link", "del", "mfc0"));
      if (mesh != null) {
        mesh.close();
      }
    }
  }

  @Test
  void theHostSwitchesInReachesAWorkloadByNameAndDisconnects() throws Exception {
    mesh.client.resource(TestWorkloads.httpServer("hello", "reach", 1)).inNamespace(NS).create();
    await()
        .ignoreExceptions()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(
                        mesh.client
                            .resources(Workload.class)
                            .inNamespace(NS)
                            .withName("hello")
                            .get()
                            .getStatus()
                            .getReadyReplicas())
                    .isEqualTo(1));

    LocalMeshFixture.Plugin joined =
        cli(
            "switch",
            "reach",
            "--name",
            "laptop",
            "--state-dir",
            STATE.toString(),
            "--endpoint",
            "198.19.0.1:51820");
    assertThat(joined.exit()).as(joined.output()).isZero();
    assertThat(joined.output()).contains("connected: laptop is 100.77.");
    Peer laptop = mesh.peer("laptop");
    assertThat(laptop.getSpec().getRoles()).containsExactly(PeerRole.CLIENT);
    assertThat(
            Command.run(Duration.ofSeconds(10), null, List.of("ip", "link", "show", "mfc0")).ok())
        .isTrue();

    // this host's own resolver for the fetch: the agent's DNS at the host's mesh address
    Path resolv = STATE.getParent().resolve("resolv.conf");
    Files.writeString(resolv, "nameserver " + laptop.getStatus().getMeshAddress() + "\n");
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () -> {
              var fetch =
                  Command.run(
                      Duration.ofSeconds(20),
                      null,
                      List.of(
                          "unshare",
                          "--mount",
                          "sh",
                          "-c",
                          "mount --bind \"$0\" /etc/resolv.conf && exec curl -fsS -o /dev/null -w '%{http_code} %{remote_ip}'"
                              + " --max-time 5 http://hello.mesh.internal:8080/",
                          resolv.toString()));
              assertThat(fetch.stdout().strip()).as(fetch.stderr()).startsWith("200 100.77.");
            });
    assertThat(
            mesh.client
                .resources(Workload.class)
                .inNamespace(NS)
                .withName("hello")
                .get()
                .getStatus()
                .getPlacements())
        .noneMatch(p -> p.getPeer().equals("laptop"));

    long agentPid =
        Long.parseLong(
            Files.readString(STATE.resolve("state.json"))
                .replaceAll(".*\"pid\":(\\d+).*", "$1")
                .strip());
    LocalMeshFixture.Plugin left = cli("disconnect", "--state-dir", STATE.toString());
    assertThat(left.exit()).as(left.output()).isZero();
    assertThat(left.output())
        .contains("disconnected from default/reach: peer/laptop deleted, mfc0 removed");
    assertThat(
            Command.run(Duration.ofSeconds(10), null, List.of("ip", "link", "show", "mfc0")).ok())
        .isFalse();
    assertThat(ProcessHandle.of(agentPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(
                        mesh.client.resources(Peer.class).inNamespace(NS).withName("laptop").get())
                    .isNull());
  }

  static LocalMeshFixture.Plugin cli(String... args) throws Exception {
    return mesh.plugin(args);
  }
}
