package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What a user sees with kubectl against the installed CRDs. */
class KubectlExplainTest {
  static ControlPlane plane;

  @BeforeAll
  static void start() throws IOException {
    plane =
        ControlPlane.start(
            Path.of("target/e2e/explain"), Path.of(System.getProperty("meshfed.crds")));
  }

  @AfterAll
  static void stop() {
    plane.close();
  }

  @Test
  void explainDocumentsTheFields() throws Exception {
    // the API server publishes a new CRD's OpenAPI a moment after the CRD is established
    String peerSpec =
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofSeconds(1))
            .ignoreExceptions()
            .until(() -> kubectl("explain", "peer.spec"), out -> out.contains("provider"));
    assertThat(peerSpec)
        .contains("provider")
        .contains("Where the machine comes from")
        .contains("clusterRef")
        .contains("this peer or pool belongs to");
    String network = kubectl("explain", "meshcluster.spec.network.cidr");
    assertThat(network).contains("IPv4 address range of the mesh");
  }

  @Test
  void shortNamesWork() throws Exception {
    assertThat(kubectl("get", "mc,pr,pp,wl", "-A")).contains("No resources found");
  }

  private static String kubectl(String... args) throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(
                ControlPlane.kubectl().toString(), "--kubeconfig", plane.kubeconfig().toString()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return output;
  }
}
