package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.provider.spi.Command;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
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

  private final String user;
  private final String password;

  private TestRegistry(
      String host, Path dir, Process process, Path trust, String user, String password) {
    this.user = user;
    this.password = password;
    this.host = host;
    this.dir = dir;
    this.process = process;
    this.trust = trust;
  }

  /**
   * @param address an address this host owns (the tests' bridge)
   * @param user the one account basic auth accepts (bcrypt in an htpasswd file, as the registry
   *     wants it), with {@code password}
   */
  static TestRegistry start(Path dir, String address, int port, String user, String password)
      throws Exception {
    deleteTree(dir); // a CA and data of an earlier run must not be mistaken for this one's
    Files.createDirectories(dir);
    String host = address + ":" + port;
    forgetPulledImages(host); // else a peer would find them and never pull
    // a CA, and the server's certificate for its IP address signed by it (P-256 keys)
    openssl(withNewKey(dir, "ca", "-x509", "-days", "1", "-subj", "/CN=meshfed test registry CA"));
    openssl(withNewKey(dir, "server", "-subj", "/CN=" + address));
    Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:" + address + "\n");
    openssl(
        List.of(
            "x509",
            "-req",
            "-days",
            "1",
            "-CAcreateserial",
            "-in",
            dir.resolve("server.out").toString(),
            "-CA",
            dir.resolve("ca.out").toString(),
            "-CAkey",
            dir.resolve("ca.key").toString(),
            "-out",
            dir.resolve("server.crt").toString(),
            "-extfile",
            dir.resolve("san.ext").toString()));
    Files.copy(dir.resolve("ca.out"), dir.resolve("ca.crt"));
    var hashed =
        Command.run(Duration.ofSeconds(30), null, List.of("htpasswd", "-Bbn", user, password));
    assertThat(hashed.ok()).as(hashed.stderr()).isTrue();
    Files.writeString(dir.resolve("htpasswd"), hashed.stdout().strip() + "\n");
    String config =
        "version: 0.1\n"
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
            + "\nauth:\n  htpasswd:\n    realm: meshfed-test\n    path: "
            + dir.resolve("htpasswd")
            + "\n";
    Files.writeString(dir.resolve("config.yml"), config);
    Process process =
        new ProcessBuilder("docker-registry", "serve", dir.resolve("config.yml").toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("registry.log").toFile())
            .start();
    Path trust = Path.of("/etc/containers/certs.d", host);
    Files.createDirectories(trust);
    Files.copy(dir.resolve("ca.crt"), trust.resolve("ca.crt"), StandardCopyOption.REPLACE_EXISTING);
    TestRegistry registry = new TestRegistry(host, dir, process, trust, user, password);
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

  static void deleteTree(Path dir) throws IOException {
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
    String local = "localhost/meshfed-test/" + name + ":" + tag;
    BusyboxImage.build(dir, local, files);
    String reference = host + "/meshfed-test/" + name + ":" + tag;
    // the credentials in podman's environment-free way: a file only root reads, not argv
    Path auth = dir.resolve("push-auth.json");
    Files.writeString(auth, dockerConfigJson(host, user, password));
    check(List.of("podman", "push", "--quiet", "--authfile=" + auth, local, reference));
    Files.delete(auth);
    check(List.of("podman", "rmi", local));
    return reference;
  }

  /** A kubernetes.io/dockerconfigjson document for these credentials. */
  static String dockerConfigJson(String host, String user, String password) {
    String token =
        Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    return "{\"auths\":{\"" + host + "\":{\"auth\":\"" + token + "\"}}}";
  }

  /** The same for this registry's account. */
  String dockerConfigJson() {
    return dockerConfigJson(host, user, password);
  }

  private static void check(List<String> argv) {
    var result = Command.run(Duration.ofSeconds(120), null, argv);
    assertThat(result.ok()).as(argv + ": " + result.stderr()).isTrue();
  }

  /**
   * openssl req with a new P-256 key in NAME.key; its output (a CSR, or with -x509 a certificate)
   * in NAME.out.
   */
  private static List<String> withNewKey(Path dir, String name, String... options) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                dir.resolve(name + ".key").toString(),
                "-out",
                dir.resolve(name + ".out").toString()));
    args.addAll(List.of(options));
    return args;
  }

  private static void openssl(List<String> args) {
    List<String> argv = new ArrayList<>(List.of("openssl"));
    argv.addAll(args);
    check(argv);
  }

  /** The images peers pulled from a registry at this address: podman's storage is host-wide. */
  private static void forgetPulledImages(String host) {
    var images =
        Command.run(
            Duration.ofSeconds(30),
            null,
            List.of("podman", "images", "-q", "--filter", "reference=" + host + "/*/*"));
    List<String> ids = images.stdout().lines().filter(l -> !l.isBlank()).distinct().toList();
    if (!ids.isEmpty()) {
      List<String> rmi = new ArrayList<>(List.of("podman", "rmi", "-f"));
      rmi.addAll(ids);
      Command.run(Duration.ofSeconds(60), null, rmi);
    }
  }

  @Override
  public void close() throws IOException {
    Reaper.unregister(this);
    forgetPulledImages(host);
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
