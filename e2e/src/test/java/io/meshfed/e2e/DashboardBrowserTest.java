package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.api.v1alpha1.ReplicaPlacement;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.provider.spi.Command;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;

/**
 * {@code kubectl meshfed dashboard} in a real browser (Debian's chromium, headless, through its
 * chromedriver) against a live mesh of three local peers: the page shows every peer and where the
 * workload's replicas run as the status says, and a pair whose tunnel is cut (nftables drops its
 * WireGuard packets in one peer's namespace) turns red once the agents report it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {
  static final String CLUSTER = "view";

  static LocalMeshFixture mesh;
  static DashboardSession dashboard;
  static String url;
  static WebDriver browser;

  @BeforeAll
  static void start() throws Exception {
    mesh = LocalMeshFixture.start(Path.of("target/e2e/dashboard"));
    mesh.createCluster(
        CLUSTER,
        "100.74.0.0/16",
        Map.of("alpha", Map.of(), "bravo", Map.of(), "charlie", Map.of()));
    mesh.client
        .resource(TestWorkloads.httpServer("web", CLUSTER, 2))
        .inNamespace(LocalMeshFixture.NS)
        .create();

    dashboard = DashboardSession.start(mesh.plane.kubeconfig(), LocalMeshFixture.NS, CLUSTER);
    url = dashboard.url;
    browser = dashboard.browser;
  }

  @AfterAll
  static void stop() {
    try {
      if (mesh != null) {
        unblock();
      }
      if (dashboard != null) {
        dashboard.close();
      }
    } finally {
      if (mesh != null) {
        mesh.close();
      }
    }
  }

  @Test
  @Order(1)
  void theAddressIsTheOnlyWayInAndOnlyByItsOwnName() throws Exception {
    URI page = URI.create(url);
    String self = "127.0.0.1:" + page.getPort();
    assertThat(status("/", self)).as("without the token").isEqualTo(401);
    assertThat(status("/api/view", self)).isEqualTo(401);
    // a page elsewhere that resolves its own name to 127.0.0.1 (DNS rebinding) is refused
    assertThat(status("/?" + page.getRawQuery(), "evil.example:" + page.getPort())).isEqualTo(403);
    HttpResponse<String> opened =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(page).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(opened.statusCode()).isEqualTo(200);
    assertThat(opened.headers().firstValue("Set-Cookie"))
        .get()
        .asString()
        .contains("HttpOnly", "SameSite=Strict");
  }

  @Test
  @Order(2)
  void thePageShowsEveryPeerAndWhereTheReplicasRun() throws Exception {
    browser.get(url);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(
                        browser.findElements(By.cssSelector("#peers tbody tr")).stream()
                            .map(row -> row.getDomAttribute("data-peer"))
                            .sorted()
                            .toList())
                    .containsExactly("alpha", "bravo", "charlie"));
    assertThat(
            script("return meshfed.cy.nodes('[kind = \"peer\"]').map(n => n.data('ref')).sort()"))
        .isEqualTo(List.of("alpha", "bravo", "charlie"));
    // a full mesh of three: three direct pairs drawn green
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(script("return meshfed.cy.edges('[path = \"direct\"]').length"))
                    .isEqualTo(3L));

    // the replicas where the Workload's status places them, once both run
    await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () -> {
              Workload web =
                  mesh.client
                      .resources(Workload.class)
                      .inNamespace(LocalMeshFixture.NS)
                      .withName("web")
                      .get();
              return web.getStatus() != null
                  && web.getStatus().getReadyReplicas() != null
                  && web.getStatus().getReadyReplicas() == 2;
            });
    List<ReplicaPlacement> placements =
        mesh.client
            .resources(Workload.class)
            .inNamespace(LocalMeshFixture.NS)
            .withName("web")
            .get()
            .getStatus()
            .getPlacements();
    assertThat(placements).hasSize(2);
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              for (ReplicaPlacement p : placements) {
                assertThat(
                        browser.findElements(
                            By.cssSelector(
                                "#workloads span[data-replica='"
                                    + p.getReplica()
                                    + "'][data-peer='"
                                    + p.getPeer()
                                    + "'].replica-ready")))
                    .as(p.getReplica() + " on " + p.getPeer())
                    .hasSize(1);
                assertThat(
                        browser
                            .findElement(
                                By.cssSelector("#peers tr[data-peer='" + p.getPeer() + "']"))
                            .getText())
                    .contains(p.getReplica());
              }
            });
    // a click on a peer shows its conditions' messages
    browser.findElement(By.cssSelector("#peers tr[data-peer='alpha']")).click();
    assertThat(browser.findElement(By.id("detail")).getText())
        .contains("alpha", "Ready", "the agent reports within the heartbeat grace");
    screenshot("dashboard.png");
  }

  @Test
  @Order(3)
  void everyMetricTheChartsDashboardAndAlertsReadIsOneTheOperatorExposes() throws Exception {
    String metrics = mesh.metrics();
    for (String family : ChartMonitoringTest.familiesRead()) {
      if (!ChartMonitoringTest.APPEAR_WHEN_THEY_HAPPEN.contains(family)) {
        assertThat(metrics).as(family + " in the live operator's /q/metrics").contains(family);
      }
    }
  }

  @Test
  @Order(4)
  void aPairWhoseTunnelIsCutTurnsRed() throws Exception {
    String bravo = mesh.peer("bravo").getStatus().getAddresses().getPublicAddress();
    block("alpha", bravo);
    Instant cut = Instant.now();
    // alpha's agent sees no handshake with bravo past the freshness (3 min at the defaults, counted
    // from the last handshake, ≤ 2 min before the cut): the pair has no path, and no gateway
    await()
        .atMost(Duration.ofSeconds(300))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () ->
                assertThat(
                        browser.findElements(
                            By.cssSelector("#links tr[data-pair='alpha|bravo'][data-path='none']")))
                    .as("the pair listed without a path")
                    .hasSize(1));
    assertThat(script("return meshfed.cy.getElementById('l:alpha|bravo').style('line-color')"))
        .isEqualTo("rgb(198,40,40)");
    assertThat(script("return meshfed.cy.getElementById('l:alpha|charlie').data('path')"))
        .isEqualTo("direct");
    System.out.println(
        "alpha|bravo red "
            + Duration.between(cut, Instant.now()).toSeconds()
            + " s after the cut (handshake freshness 180 s)");
    screenshot("dashboard-pair-down.png");

    unblock();
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () ->
                assertThat(script("return meshfed.cy.getElementById('l:alpha|bravo').data('path')"))
                    .isEqualTo("direct"));
  }

  private static void block(String peer, String address) {
    String rules =
        "table inet meshfed_test_cut {\n"
            + "  chain in { type filter hook input priority 0; ip saddr "
            + address
            + " udp dport != 0 drop; }\n"
            + "  chain out { type filter hook output priority 0; ip daddr "
            + address
            + " udp dport != 0 drop; }\n"
            + "}\n";
    var result =
        Command.run(
            Duration.ofSeconds(10),
            rules,
            List.of("ip", "netns", "exec", mesh.netns(peer), "nft", "-f", "-"));
    assertThat(result.ok()).as(result.stderr()).isTrue();
  }

  private static void unblock() {
    try {
      Command.run(
          Duration.ofSeconds(10),
          null,
          List.of(
              "ip",
              "netns",
              "exec",
              mesh.netns("alpha"),
              "nft",
              "delete",
              "table",
              "inet",
              "meshfed_test_cut"));
    } catch (RuntimeException | AssertionError alreadyGone) {
      // nothing blocked
    }
  }

  private static Object script(String js) {
    return dashboard.script(js);
  }

  private static void screenshot(String name) throws Exception {
    dashboard.screenshot(name);
  }

  /** A GET with the Host header given (java.net.http will not set one), its status code. */
  private static int status(String pathAndQuery, String host) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", URI.create(url).getPort())) {
      socket
          .getOutputStream()
          .write(
              ("GET "
                      + pathAndQuery
                      + " HTTP/1.1\r\nHost: "
                      + host
                      + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String statusLine =
          new BufferedReader(
                  new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
              .readLine();
      return Integer.parseInt(statusLine.split(" ")[1]);
    }
  }
}
