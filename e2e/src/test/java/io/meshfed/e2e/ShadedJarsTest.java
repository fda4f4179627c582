package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.provider.spi.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jars users run on their own JDKs — the agent on a host, the plugin on a laptop — resolve
 * names on every JDK this machine has (17 and 25 here). A jar that carried dnsjava's resolver
 * registration without its Multi-Release classes failed every lookup on JDK 18+.
 */
class ShadedJarsTest {
  static final Path REPO = Path.of(System.getProperty("meshfed.crds")).getParent();

  @TempDir Path work;

  @Test
  void theAgentAndThePluginResolveNamesOnEveryJdkHere() throws Exception {
    Path program =
        Files.writeString(
            work.resolve("Resolve.java"),
            "public class Resolve { public static void main(String[] a) throws Exception {"
                + " System.out.println(java.net.InetAddress.getByName(\"localhost\").getHostAddress()); } }");
    List<Path> jdks = jdks();
    assertThat(jdks).as("JDKs under /usr/lib/jvm").isNotEmpty();
    for (Path jar :
        List.of(
            REPO.resolve("agent/target/meshfed-agent.jar"),
            REPO.resolve("cli/target/kubectl-meshfed.jar"))) {
      for (Path java : jdks) {
        var result =
            Command.run(
                Duration.ofSeconds(60),
                null,
                List.of(java.toString(), "-cp", jar.toString(), program.toString()));
        assertThat(result.stdout().strip())
            .as(jar.getFileName() + " on " + java + ": " + result.stderr())
            .isIn("127.0.0.1", "0:0:0:0:0:0:0:1");
      }
    }
  }

  /** One java per JDK directory (Debian's symlinked aliases point at the same one). */
  static List<Path> jdks() throws Exception {
    List<Path> found = new ArrayList<>();
    Path jvms = Path.of("/usr/lib/jvm");
    if (!Files.isDirectory(jvms)) {
      return List.of(Path.of(ProcessHandle.current().info().command().orElse("java")));
    }
    try (Stream<Path> dirs = Files.list(jvms)) {
      for (Path dir : dirs.sorted().toList()) {
        Path java = dir.resolve("bin/java");
        if (Files.isExecutable(java)
            && Files.isRegularFile(dir.resolve("release"))
            && found.stream().noneMatch(f -> sameFile(f, java))) {
          found.add(java);
        }
      }
    }
    return found;
  }

  private static boolean sameFile(Path a, Path b) {
    try {
      return Files.isSameFile(a, b);
    } catch (Exception e) {
      return false;
    }
  }
}
