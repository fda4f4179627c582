package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshfed.provider.spi.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
   * {@code hack/local-up.sh --runtime podman}: the example's hello runs as containers of an image
   * built on the spot, and answers by name across the mesh.
   */
  @Test
  void theQuickStartRunsHelloAsContainersWithRuntimePodman() throws Exception {
    Path repo = Path.of(System.getProperty("meshfed.crds")).getParent();
    assertThat(LocalMesh.runtimeOf(List.of("--runtime", "podman"))).isEqualTo("podman");
    assertThatThrownBy(() -> LocalMesh.runtimeOf(List.of("--runtime=docker")))
        .hasMessage("--runtime is process or podman, not docker");
    int exit =
        LocalMesh.run(
            repo,
            work,
            repo.resolve("examples/local-cluster.yaml"),
            true,
            "podman",
            Map.of("meshfed.local.container-command", HostPodman.containerCommand(work)));
    try {
      // 0: every peer Ready and hello's two replicas ready, which the podman runtime runs only
      // as containers (it refuses a replica without an image)
      assertThat(exit).isZero();
      assertThat(Files.readString(work.resolve("operator.log")))
          .contains("issued a join token for cluster default/demo");
      assertThat(
              Command.run(
                      Duration.ofSeconds(20),
                      null,
                      List.of("podman", "image", "exists", LocalMesh.HELLO_IMAGE))
                  .ok())
          .isTrue();
    } finally {
      Command.run(Duration.ofSeconds(20), null, List.of("podman", "rmi", LocalMesh.HELLO_IMAGE));
    }
  }

  /**
   * The quick start's long steps: one line each with its time, the noise in a log, and a failure
   * that shows the log's last lines and stops the script.
   */
  @Test
  void longStepsPrintOneLineEachAndAFailureShowsItsLog() throws Exception {
    Path repo = Path.of(System.getProperty("meshfed.crds")).getParent();
    Path logs = Files.createDirectories(work.resolve("step-logs"));
    var result =
        Command.run(
            Duration.ofSeconds(30),
            null,
            List.of(
                "bash",
                "-c",
                "source \"$2/hack/lib.sh\"; steps_begin 3;"
                    + " step 'quiet work' \"$1/a.log\" bash -c 'for i in $(seq 300); do echo go: downloading m$i; done';"
                    + " step 'slower work' \"$1/b.log\" sleep 2;"
                    + " step 'broken work' \"$1/c.log\" bash -c 'echo the reason; exit 3';"
                    + " echo never",
                "steps",
                logs.toString(),
                repo.toString()),
            Map.of("MESHFED_LOGS", logs.toString()));
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.stdout())
        .containsPattern("meshfed \\[1/3\\] quiet work ✓ \\d+s")
        .containsPattern("meshfed \\[2/3\\] slower work ✓ [23]s  \\(total [23]s\\)")
        .doesNotContain("go: downloading")
        .doesNotContain("never");
    assertThat(Files.readString(logs.resolve("a.log"))).contains("go: downloading m300");
    assertThat(result.stderr())
        .contains(
            "[3/3] broken work failed after", "the reason", "error: broken work failed (exit 3)");
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
        .containsPattern("meshfed: waiting: [0-2]/3 peers Ready \\(")
        .contains("stopping", "deleted the clusters; their peers are gone")
        .doesNotContain("Client is closed")
        .doesNotContain("Exception");
  }
}
