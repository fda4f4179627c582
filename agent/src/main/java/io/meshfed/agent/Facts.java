package io.meshfed.agent;

import io.meshfed.api.agent.AgentFacts;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/** What the agent tells the operator about its machine. */
public final class Facts {
  public static final String VERSION =
      Objects.requireNonNullElse(Facts.class.getPackage().getImplementationVersion(), "dev");

  private Facts() {}

  /**
   * @param wireguard which WireGuard runs ({@link WireGuardImplementation#describe()}), null before
   *     the interface exists
   */
  public static AgentFacts gather(String wireguard) {
    return new AgentFacts(
        Runtime.getRuntime().availableProcessors(),
        memoryBytes(),
        System.getProperty("os.name").toLowerCase(),
        arch(),
        VERSION,
        hostname(),
        wireguard);
  }

  /**
   * Candidate endpoints: every IPv4 address of an interface that is up, not loopback and not the
   * mesh itself, with the WireGuard port.
   */
  public static List<String> endpoints(String wireguardInterface, int listenPort) {
    List<String> endpoints = new ArrayList<>();
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nic.isUp() || nic.isLoopback() || nic.getName().equals(wireguardInterface)) {
          continue;
        }
        for (InetAddress address : Collections.list(nic.getInetAddresses())) {
          if (address instanceof Inet4Address && !address.isLinkLocalAddress()) {
            endpoints.add(address.getHostAddress() + ":" + listenPort);
          }
        }
      }
    } catch (SocketException e) {
      throw new IllegalStateException("cannot list network interfaces", e);
    }
    return endpoints;
  }

  static String arch() {
    String arch = System.getProperty("os.arch");
    return switch (arch) {
      case "x86_64" -> "amd64";
      case "aarch64" -> "arm64";
      default -> arch;
    };
  }

  static Long memoryBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux, or an unusual /proc: leave it out
    }
    return null;
  }

  static String hostname() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return System.getenv().getOrDefault("HOSTNAME", "unknown");
    }
  }
}
