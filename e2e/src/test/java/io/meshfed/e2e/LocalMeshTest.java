package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
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
}
