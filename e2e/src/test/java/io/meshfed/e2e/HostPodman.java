package io.meshfed.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How the tests' local agents run podman on this host: its cgroup v1 hybrid layout needs runc (crun
 * refuses it) and cgroupfs, and the sandbox lower ulimits than podman's defaults. A normal host
 * needs none of it (decision 0020).
 */
final class HostPodman {
  private HostPodman() {}

  /** {@code meshfed.local.container-command} with a containers.conf written into {@code dir}. */
  static String containerCommand(Path dir) throws IOException {
    Path conf =
        Files.writeString(
            Files.createDirectories(dir).resolve("containers.conf"),
            "[containers]\n"
                + "default_ulimits = [\"nofile=20000:20000\", \"nproc=4096:4096\"]\n"
                + "[engine]\n"
                + "runtime = \"runc\"\n"
                + "cgroup_manager = \"cgroupfs\"\n");
    return "env CONTAINERS_CONF=" + conf + " nsenter --mount=/proc/{ppid}/ns/mnt -- podman";
  }
}
