package io.meshfed.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WireGuardImplementationTest {
  static final String BUILT = "/opt/wg/wireguard-go";

  @Test
  void theConfiguredBinaryComesFirstThenTheBundledBuildThenTheDistributionsPackage() {
    Set<String> present = Set.of(BUILT, WireGuardImplementation.BUNDLED);
    assertThat(WireGuardImplementation.userspaceCandidates(Optional.of(BUILT), present::contains))
        .containsExactly(BUILT, WireGuardImplementation.BUNDLED, "wireguard-go");
  }

  @Test
  void aMissingConfiguredBinaryOrBundledBuildIsSkippedNotFatal() {
    assertThat(WireGuardImplementation.userspaceCandidates(Optional.of(BUILT), binary -> false))
        .containsExactly("wireguard-go");
    assertThat(
            WireGuardImplementation.userspaceCandidates(
                Optional.of(WireGuardImplementation.BUNDLED),
                WireGuardImplementation.BUNDLED::equals))
        .as("named twice, tried once")
        .containsExactly(WireGuardImplementation.BUNDLED, "wireguard-go");
  }

  @Test
  void theVersionIsReadFromWhatWireguardGoPrints() {
    assertThat(
            WireGuardImplementation.parseVersion(
                "wireguard-go v0.0.20250522\n\nUserspace WireGuard daemon for linux-amd64.\n"))
        .isEqualTo("0.0.20250522");
    assertThat(WireGuardImplementation.parseVersion("wireguard-go v0.0.20220316\n"))
        .isEqualTo("0.0.20220316");
    assertThat(WireGuardImplementation.parseVersion("something else")).isNull();
    assertThat(WireGuardImplementation.parseVersion(null)).isNull();
  }

  @Test
  void statusSaysKernelOrWhichWireguardGo() {
    assertThat(WireGuardImplementation.kernel().describe()).isEqualTo("kernel");
    assertThat(
            new WireGuardImplementation(WireGuardImplementation.USERSPACE, BUILT, "0.0.20250522")
                .describe())
        .isEqualTo("wireguard-go 0.0.20250522");
    assertThat(
            new WireGuardImplementation(WireGuardImplementation.USERSPACE, null, null).describe())
        .isEqualTo("wireguard-go (version unknown)");
  }

  @Test
  void anExecutableIsAFileThatMayRunOrACommandOnThePath(@TempDir Path dir) throws Exception {
    Path binary = Files.writeString(dir.resolve("wireguard-go"), "#!/bin/sh\n");
    assertThat(WireGuardImplementation.executable(binary.toString())).isFalse();
    Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertThat(WireGuardImplementation.executable(binary.toString())).isTrue();
    assertThat(WireGuardImplementation.executable(dir.toString())).as("a directory").isFalse();
    assertThat(WireGuardImplementation.executable("/nonexistent/wireguard-go")).isFalse();
    assertThat(WireGuardImplementation.executable("wireguard-go")).isTrue();
  }
}
