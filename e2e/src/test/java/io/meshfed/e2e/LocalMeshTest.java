package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.provider.spi.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quick start's launch command, run to the point where it prints the cluster. */
class LocalMeshTest {
  @TempDir Path work;

  @Test
  void theQuickStartBringsUpTheExampleCluster() throws Exception {
    Path repo = Path.of(System.getProperty("meshfed.crds")).getParent();
    int exit = LocalMesh.run(repo, work, repo.resolve("examples/local-cluster.yaml"), true);
    assertThat(exit).isZero();
    assertThat(work.resolve("kubeconfig")).exists();
    assertThat(Files.readString(work.resolve("operator.log")))
        .contains("issued a join token for cluster default/demo");
  }

  /**
   * Ctrl-C on the running quick start: the clusters are deleted as a user would delete them, with
   * the operator and the API server still running, then everything stops — no stack trace.
   */
  @Test
  void ctrlCDeletesTheClusterWhileTheOperatorRunsAndStopsWithoutAStackTrace() throws Exception {
    Path repo = Path.of(System.getProperty("meshfed.crds")).getParent();
    Path output = work.resolve("local-up.out");
    Process launcher =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElse("java"),
                "-cp",
                System.getProperty("java.class.path"),
                "-Dmeshfed.repo=" + repo,
                "-Dmeshfed.workdir=" + work.resolve("ctrl-c"),
                LocalMesh.class.getName())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    try {
      await()
          .atMost(Duration.ofSeconds(150))
          .until(() -> Files.readString(output).contains("runs until Ctrl-C"));
      Command.check(Duration.ofSeconds(5), List.of("kill", "-INT", Long.toString(launcher.pid())));
      assertThat(launcher.waitFor(60, TimeUnit.SECONDS)).as("stopped within 60 s").isTrue();
    } finally {
      launcher.destroyForcibly().waitFor();
    }
    String printed = Files.readString(output);
    assertThat(printed)
        .contains("stopping", "deleted the clusters; their peers are gone")
        .doesNotContain("Client is closed")
        .doesNotContain("Exception");
  }
}
