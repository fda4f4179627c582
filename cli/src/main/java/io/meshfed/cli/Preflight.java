package io.meshfed.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/** What switch and disconnect need from this machine, and the few commands they run. */
final class Preflight {
  private Preflight() {}

  static void requireRootAndWireGuard(CommandLine cli) {
    boolean root;
    try {
      root = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
    } catch (IOException | UnsupportedOperationException e) {
      root = false;
    }
    if (!root) {
      throw new CommandLine.ParameterException(
          cli,
          "this configures WireGuard and routes on this machine: run it as"
              + " root (sudo -E kubectl meshfed …, keeping KUBECONFIG)");
    }
    for (String tool : List.of("ip", "wg")) {
      if (!onPath(tool)) {
        throw new CommandLine.ParameterException(
            cli,
            tool
                + " is missing: install "
                + (tool.equals("ip") ? "iproute2" : "wireguard-tools")
                + " (Debian/Ubuntu: apt-get install "
                + (tool.equals("ip") ? "iproute2" : "wireguard-tools")
                + ")");
      }
    }
    if (!Files.isDirectory(Path.of("/sys/module/wireguard")) && !onPath("wireguard-go")) {
      throw new CommandLine.ParameterException(
          cli,
          "no WireGuard here: load the kernel module (modprobe wireguard)"
              + " or install wireguard-go");
    }
  }

  static boolean onPath(String tool) {
    for (String dir :
        System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  static String hostname() {
    try {
      return Files.readString(Path.of("/etc/hostname")).strip();
    } catch (IOException e) {
      return "machine";
    }
  }

  /** Sends the cluster's domain to the mesh address with systemd-resolved, when it runs here. */
  static boolean useMeshDns(String iface, String address, String domain) {
    return onPath("resolvectl")
        && Files.exists(Path.of("/run/systemd/resolve/stub-resolv.conf"))
        && run(List.of("resolvectl", "dns", iface, address))
        && run(List.of("resolvectl", "domain", iface, "~" + domain));
  }

  static void forgetMeshDns(String iface) {
    if (onPath("resolvectl") && Files.exists(Path.of("/run/systemd/resolve/stub-resolv.conf"))) {
      run(List.of("resolvectl", "revert", iface));
    }
  }

  /** Runs a short command; true when it succeeded. */
  static boolean run(List<String> command) {
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
