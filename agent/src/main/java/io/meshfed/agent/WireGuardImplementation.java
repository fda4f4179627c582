package io.meshfed.agent;

import io.meshfed.provider.spi.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which WireGuard moves this peer's packets: the kernel's, or a userspace {@code wireguard-go}
 * binary (and its version). Where the kernel has no module the agent prefers, in order, a binary it
 * was given ({@code --wireguard-go}, {@code MESHFED_WIREGUARD_GO}), the current build the image and
 * the install script put at {@value #BUNDLED}, then the distribution's {@code wireguard-go}.
 *
 * @param kind {@value #KERNEL} or {@value #USERSPACE}
 * @param binary the userspace binary; null for the kernel
 * @param version the userspace binary's version (e.g. {@code 0.0.20250522}); null when unknown
 */
public record WireGuardImplementation(String kind, String binary, String version) {
  public static final String KERNEL = "kernel";
  public static final String USERSPACE = "userspace";

  /** Where the agent image and install.sh put the current wireguard-go build. */
  public static final String BUNDLED = "/usr/lib/meshfed/wireguard-go";

  /** The distribution's package, found on the PATH. */
  public static final String PACKAGED = "wireguard-go";

  private static final Pattern VERSION = Pattern.compile("wireguard-go v?([0-9][0-9A-Za-z.+-]*)");

  public static WireGuardImplementation kernel() {
    return new WireGuardImplementation(KERNEL, null, null);
  }

  /** What Peer status shows, e.g. {@code kernel} or {@code wireguard-go 0.0.20250522}. */
  public String describe() {
    if (KERNEL.equals(kind)) {
      return KERNEL;
    }
    return "wireguard-go " + (version == null ? "(version unknown)" : version);
  }

  /**
   * The userspace binaries to try, best first: the configured one, the bundled build, the packaged
   * one. A configured binary that is missing is skipped (the caller says so), never fatal.
   */
  static List<String> userspaceCandidates(
      Optional<String> configured, Predicate<String> executable) {
    List<String> candidates = new ArrayList<>();
    configured.filter(executable).ifPresent(candidates::add);
    if (executable.test(BUNDLED) && !candidates.contains(BUNDLED)) {
      candidates.add(BUNDLED);
    }
    candidates.add(PACKAGED);
    return candidates;
  }

  /** A path that exists and may be run, or a bare command name (found on the PATH when run). */
  static boolean executable(String binary) {
    if (!binary.contains("/")) {
      return true;
    }
    Path path = Path.of(binary);
    return Files.isRegularFile(path) && Files.isExecutable(path);
  }

  /** The binary's version, from {@code wireguard-go --version}; null when it does not say. */
  static String versionOf(String binary) {
    var result = Command.run(Duration.ofSeconds(10), null, List.of(binary, "--version"));
    return result.ok() ? parseVersion(result.stdout()) : null;
  }

  public static String parseVersion(String versionOutput) {
    Matcher matcher = VERSION.matcher(versionOutput == null ? "" : versionOutput);
    return matcher.find() ? matcher.group(1) : null;
  }
}
