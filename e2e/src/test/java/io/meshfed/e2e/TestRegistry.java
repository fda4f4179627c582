package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.provider.spi.Command;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real OCI registry on the test host: Debian's docker-registry (the CNCF distribution server) on
 * an address of the tests' own bridge, with TLS from a CA made for the test, . podman trusts the CA
 * through /etc/containers/certs.d/HOST:PORT/ca.crt, which {@link #close} removes. Images are built
 * without a daemon: a root filesystem made from the host's static busybox, imported and pushed with
 * podman.
 */
final class TestRegistry implements AutoCloseable {
  final String host;
  final Path dir;
  private final Process process;
  private final Path trust;

  private TestRegistry(String host, Path dir, Process process, Path trust) {
    this.host = host;
    this.dir = dir;
    this.process = process;
    this.trust = trust;
  }

  /**
   * @param address an address this host owns (the tests' bridge)
   */
  static TestRegistry start(Path dir, String address, int port) throws Exception {
    deleteTree(dir); // a CA and data of an earlier run must not be mistaken for this one's
    Files.createDirectories(dir);
    String host = address + ":" + port;
    openssl(
        dir,
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        dir.resolve("ca.key").toString(),
        "-out",
        dir.resolve("ca.crt").toString(),
        "-days",
        "1",
        "-subj",
        "/CN=meshfed test registry CA");
    openssl(
        dir,
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        dir.resolve("server.key").toString(),
        "-out",
        dir.resolve("server.csr").toString(),
        "-subj",
        "/CN=" + address);
    Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:" + address + "\n");
    openssl(
        dir,
        "x509",
        "-req",
        "-in",
        dir.resolve("server.csr").toString(),
        "-CA",
        dir.resolve("ca.crt").toString(),
        "-CAkey",
        dir.resolve("ca.key").toString(),
        "-CAcreateserial",
        "-out",
        dir.resolve("server.crt").toString(),
        "-days",
        "1",
        "-extfile",
        dir.resolve("san.ext").toString());
    String config =
        ("version: 0.1\n"
            + "log:\n  level: warn\n"
            + "storage:\n  filesystem:\n    rootdirectory: "
            + dir.resolve("data")
            + "\n  delete:\n    enabled: true\n"
            + "http:\n  addr: "
            + host
            + "\n  tls:\n    certificate: "
            + dir.resolve("server.crt")
            + "\n    key: "
            + dir.resolve("server.key")
            + "\n");
    Files.writeString(dir.resolve("config.yml"), config);
    Process process =
        new ProcessBuilder("docker-registry", "serve", dir.resolve("config.yml").toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("registry.log").toFile())
            .start();
    Path trust = Path.of("/etc/containers/certs.d", host);
    Files.createDirectories(trust);
    Files.copy(dir.resolve("ca.crt"), trust.resolve("ca.crt"), StandardCopyOption.REPLACE_EXISTING);
    TestRegistry registry = new TestRegistry(host, dir, process, trust);
    Reaper.register(registry); // no registry outlives the JVM that started it
    Instant deadline = Instant.now().plusSeconds(20);
    // listening, and it is this process that listens (not one an earlier run left)
    while (!registry.listening() || !stillAliveAfter(process, Duration.ofMillis(300))) {
      if (!process.isAlive() || Instant.now().isAfter(deadline)) {
        registry.close();
        throw new IllegalStateException(
            "the registry did not start: " + Files.readString(dir.resolve("registry.log")));
      }
      Thread.sleep(100);
    }
    return registry;
  }

  private static boolean stillAliveAfter(Process process, Duration wait)
      throws InterruptedException {
    Thread.sleep(wait.toMillis());
    return process.isAlive();
  }

  private static void deleteTree(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (var paths = Files.walk(dir)) {
        for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(path);
        }
      }
    }
  }

  private boolean listening() {
    String[] parts = host.split(":");
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(parts[0], Integer.parseInt(parts[1])), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Builds {@code name:tag} from a root filesystem of the host's static busybox with these files
   * added, and pushes it; returns the reference peers pull.
   */
  String pushBusyboxImage(String name, String tag, Map<String, String> files) throws Exception {
    Path root = Files.createTempDirectory(dir, "rootfs");
    Files.createDirectories(root.resolve("bin"));
    Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
    Files.createSymbolicLink(root.resolve("bin/sh"), Path.of("busybox"));
    for (var file : files.entrySet()) {
      Path target = root.resolve(file.getKey());
      Files.createDirectories(target.getParent());
      Files.writeString(target, file.getValue());
    }
    String local = "localhost/meshfed-test/" + name + ":" + tag;
    Path tar = dir.resolve(name + "-" + tag + ".tar");
    check(List.of("tar", "-C", root.toString(), "-cf", tar.toString(), "."));
    check(List.of("podman", "import", tar.toString(), local));
    String reference = host + "/meshfed-test/" + name + ":" + tag;
    check(List.of("podman", "push", "--quiet", local, reference));
    check(List.of("podman", "rmi", local));
    return reference;
  }

  private static void check(List<String> argv) {
    var result = Command.run(Duration.ofSeconds(120), null, argv);
    assertThat(result.ok()).as(argv + ": " + result.stderr()).isTrue();
  }

  private static void openssl(Path dir, String... args) {
    List<String> argv = new ArrayList<>(List.of("openssl"));
    argv.addAll(List.of(args));
    check(argv);
  }

  @Override
  public void close() throws IOException {
    Reaper.unregister(this);
    process.destroy();
    try {
      process.onExit().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      process.destroyForcibly();
    }
    Files.deleteIfExists(trust.resolve("ca.crt"));
    Files.deleteIfExists(trust);
  }
}
