package io.meshfed.e2e;

import io.meshfed.provider.spi.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A tiny OCI image built without a daemon or a registry: Debian's static busybox and some files,
 * imported into podman's local storage. What the quick start's container replicas and the registry
 * tests run.
 */
public final class BusyboxImage {
  private BusyboxImage() {}

  /**
   * Imports {@code /bin/busybox} (as /bin/busybox and /bin/sh) and {@code files} (path → content)
   * as {@code name}, e.g. {@code localhost/meshfed/hello:1}; {@code work} holds the rootfs and tar.
   */
  public static void build(Path work, String name, Map<String, String> files) throws IOException {
    Path busybox = Path.of("/bin/busybox");
    if (!Files.isExecutable(busybox)) {
      throw new IOException(
          "no /bin/busybox to build " + name + " from: install busybox-static (Debian)");
    }
    Path root = Files.createTempDirectory(Files.createDirectories(work), "rootfs");
    Files.createDirectories(root.resolve("bin"));
    Files.copy(busybox, root.resolve("bin/busybox"));
    Files.createSymbolicLink(root.resolve("bin/sh"), Path.of("busybox"));
    for (var file : files.entrySet()) {
      Path target = root.resolve(file.getKey());
      Files.createDirectories(target.getParent());
      Files.writeString(target, file.getValue());
    }
    Path tar = root.resolveSibling(root.getFileName() + ".tar");
    check(List.of("tar", "-C", root.toString(), "-cf", tar.toString(), "."));
    check(List.of("podman", "import", tar.toString(), name));
    Files.delete(tar);
  }

  private static void check(List<String> argv) throws IOException {
    Command.Result result = Command.run(Duration.ofSeconds(120), null, argv);
    if (!result.ok()) {
      throw new IOException(String.join(" ", argv) + ": " + result.stderr().strip());
    }
  }
}
