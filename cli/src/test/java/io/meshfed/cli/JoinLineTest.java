package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.agent.PinnedTrust;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host's join line, run by a real shell with a curl that serves what a server (or a man in the
 * middle) would: nothing is installed unless the CA is exactly the pinned one.
 */
class JoinLineTest {
  static final String SERVER = "https://198.18.0.1:8443";
  static final String TOKEN = "mfb:default:nas:" + "c".repeat(64);

  @TempDir Path dir;
  String pinned;
  String other;

  @BeforeEach
  void certificates() throws Exception {
    pinned = newCa("meshfed");
    other = newCa("someone else");
    Path bin = Files.createDirectories(dir.resolve("bin"));
    // curl -fsSk URL/api/v1/ca.crt -o FILE gives the served CA; the installer says it ran
    script(
        bin.resolve("curl"),
        "for a; do last=$a; done\n"
            + "case \"$last\" in\n"
            + "  */install.sh) echo 'echo installer ran with \"$@\"' ;;\n"
            + "  *) cp \"$SERVED_CA\" \"$last\" ;;\n"
            + "esac\n");
    script(bin.resolve("sudo"), "exec \"$@\"\n");
  }

  @Test
  void thePinnedCaLetsTheInstallerRunWithTheTokenInAFile() throws Exception {
    String output = run(pinned);
    assertThat(output).contains("installer ran with --server " + SERVER).contains("--token-file");
    Path tokenFile = dir.resolve("home/.meshfed-join-token");
    assertThat(Files.readString(tokenFile).strip()).isEqualTo(TOKEN);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)))
        .isEqualTo("rw-------");
  }

  @Test
  void anotherCaOrABundleWithTheRightOneStopsItBeforeAnythingRuns() throws Exception {
    assertThat(run(other)).doesNotContain("installer ran");
    assertThat(run(pinned + other))
        .as("curl --cacert would trust both")
        .doesNotContain("installer ran");
    assertThat(run(other + pinned)).doesNotContain("installer ran");
  }

  private String run(String servedCa) throws Exception {
    Path served = Files.writeString(dir.resolve("served.crt"), servedCa);
    Files.createDirectories(dir.resolve("home"));
    String line = JoinCommand.line(SERVER, PinnedTrust.hashOf(certificate(pinned)), TOKEN, "nas");
    // as a user's shell has them: its PATH, its HOME
    ProcessBuilder builder = new ProcessBuilder("sh", "-c", line).redirectErrorStream(true);
    builder.environment().put("PATH", dir.resolve("bin") + ":/usr/bin:/bin");
    builder.environment().put("HOME", dir.resolve("home").toString());
    builder.environment().put("SERVED_CA", served.toString());
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return output;
  }

  private String newCa(String name) throws Exception {
    Path key = dir.resolve(name.replace(' ', '-') + ".key");
    Path cert = dir.resolve(name.replace(' ', '-') + ".crt");
    Process openssl =
        new ProcessBuilder(
                List.of(
                    "openssl",
                    "req",
                    "-x509",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-nodes",
                    "-keyout",
                    key.toString(),
                    "-out",
                    cert.toString(),
                    "-days",
                    "1",
                    "-subj",
                    "/CN=" + name))
            .redirectErrorStream(true)
            .start();
    openssl.getInputStream().readAllBytes();
    assertThat(openssl.waitFor()).isZero();
    return Files.readString(cert);
  }

  private static X509Certificate certificate(String pem) throws Exception {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
  }

  private static void script(Path file, String body) throws Exception {
    Files.writeString(file, "#!/bin/sh\n" + body);
    file.toFile().setExecutable(true);
  }
}
