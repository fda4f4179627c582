package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshClusterSpec;
import io.meshfed.api.v1alpha1.PathSummary;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.PeerSpec;
import io.meshfed.api.v1alpha1.PeerStatus;
import io.meshfed.api.v1alpha1.ProviderType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The dashboard at 500 peers, in the browser: the graph draws the five provider/region groups with
 * the worst path between them, the tables hold every peer, and a search narrows the graph back to
 * peers. The peers and their statuses are written to a real API server as an operator would; no
 * machine runs (the live mesh is {@link DashboardBrowserTest}'s).
 */
class DashboardScaleBrowserTest {
  static final int PEERS = 500;
  static final String[][] GROUPS = {
    {"aws", "eu-west-1"},
    {"aws", "us-east-1"},
    {"gcp", "europe-west1"},
    {"azure", "westeurope"},
    {"static", null}
  };

  static ControlPlane plane;
  static DashboardSession dashboard;

  @BeforeAll
  static void start() throws Exception {
    Path work = Files.createTempDirectory("dashboard-scale");
    plane = ControlPlane.start(work, Path.of(System.getProperty("meshfed.crds")));
    KubernetesClient client = plane.client();
    MeshCluster cluster = new MeshCluster();
    cluster.getMetadata().setName("big");
    cluster.setSpec(new MeshClusterSpec());
    client.resource(cluster).inNamespace("default").create();
    ExecutorService writers = Executors.newFixedThreadPool(16);
    try {
      List<Future<?>> writes = new ArrayList<>();
      for (int i = 0; i < PEERS; i++) {
        int index = i;
        writes.add(writers.submit(() -> writePeer(client, index)));
      }
      for (Future<?> write : writes) {
        write.get();
      }
    } finally {
      writers.shutdownNow();
    }
    dashboard = DashboardSession.start(plane.kubeconfig(), "default", "big");
  }

  @AfterAll
  static void stop() {
    try {
      if (dashboard != null) {
        dashboard.close();
      }
    } finally {
      if (plane != null) {
        plane.close();
      }
    }
  }

  /**
   * Peer i: group i % 5; every 50th NotReady; peer 1 (aws/us-east-1) has no path to peer 2
   * (gcp/europe-west1).
   */
  static void writePeer(KubernetesClient client, int i) {
    String[] group = GROUPS[i % GROUPS.length];
    Peer peer = new Peer();
    peer.getMetadata().setName(name(i));
    PeerSpec spec = new PeerSpec();
    spec.setClusterRef(new ClusterReference("big"));
    spec.setProvider(ProviderType.fromValue(group[0]));
    spec.setRegion(group[1]);
    peer.setSpec(spec);
    peer = client.resource(peer).inNamespace("default").create();
    PeerStatus status = new PeerStatus();
    status.setPhase(i % 50 == 49 ? PeerPhase.NOT_READY : PeerPhase.READY);
    status.setMeshAddress("100.64." + (i / 250) + "." + (i % 250 + 1));
    status.setHealth("Healthy");
    PathSummary paths = new PathSummary();
    if (i == 1) {
      paths.setUnreachablePeers(List.of(PathSummary.Link.unreachable(name(2), "no gateway")));
    }
    status.setPaths(paths);
    peer.setStatus(status);
    client.resource(peer).inNamespace("default").updateStatus();
  }

  static String name(int i) {
    return String.format("peer-%03d", i);
  }

  @Test
  void fiveHundredPeersAreDrawnAsTheirGroupsAndASearchOpensOne() throws Exception {
    long opened = System.nanoTime();
    dashboard.browser.get(dashboard.url);
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(dashboard.browser.findElements(By.cssSelector("#peers tbody tr")))
                    .hasSize(PEERS));
    System.out.printf(
        "dashboard: %d peers shown %d ms after the page was asked for%n",
        PEERS, (System.nanoTime() - opened) / 1_000_000);
    assertThat(dashboard.browser.findElement(By.id("graph-mode")).getText())
        .startsWith("500 peers in 5 groups");
    assertThat(
            dashboard.script(
                "return meshfed.cy.nodes('.aggregate').map(n => n.data('ref')).sort()"))
        .isEqualTo(
            List.of(
                "aws/eu-west-1",
                "aws/us-east-1",
                "azure/westeurope",
                "gcp/europe-west1",
                "static"));
    // the one pair without a path shows between its two groups, every other pair of groups direct
    assertThat(
            dashboard.script(
                "return meshfed.cy.edges('[path = \"none\"]').map(e => e.data('ref'))"))
        .isEqualTo(List.of("aws/us-east-1|gcp/europe-west1"));
    assertThat(dashboard.script("return meshfed.cy.edges('[path = \"direct\"]').length"))
        .isEqualTo(9L);
    dashboard.screenshot("dashboard-500.png");

    // a search narrows the graph to one group's peers, drawn one by one
    var search = dashboard.browser.findElement(By.id("search"));
    search.sendKeys("us-east-1");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(dashboard.script("return meshfed.cy.nodes('[kind = \"peer\"]').length"))
                    .isEqualTo((long) PEERS / GROUPS.length));
    assertThat(dashboard.browser.findElements(By.cssSelector("#peers tbody tr")))
        .hasSize(PEERS / GROUPS.length);
    assertThat(dashboard.browser.findElement(By.id("graph-mode")).getText())
        .isEqualTo("100 peers (direct pairs not drawn)");
  }
}
