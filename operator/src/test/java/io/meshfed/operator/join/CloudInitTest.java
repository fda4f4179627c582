package io.meshfed.operator.join;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.meshfed.operator.server.Certificates;
import io.meshfed.provider.spi.AgentBootstrap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The user data clouds receive, checked by cloud-init's own schema validator, and the installer it
 * runs, checked by shellcheck and run for its refusals. Both tools are installed by .ci/run.
 */
class CloudInitTest {
  static Certificates.Issued ca;
  static String caPem;
  static final String TOKEN = "mfb1.default.web-0.s3cr3t";

  @TempDir Path dir;

  @BeforeAll
  static void makeCa() {
    ca = Certificates.newCa("meshfed test CA", Instant.now(), Duration.ofDays(1));
    caPem = Certificates.pem(ca.certificate());
  }

  private static AgentBootstrap bootstrap() {
    return new AgentBootstrap(
        "https://198.18.0.1:8443", Certificates.publicKeyHash(ca.certificate()), TOKEN);
  }

  @Test
  void userDataPassesCloudInitsSchemaValidation() throws Exception {
    Path userData = dir.resolve("user-data");
    Files.writeString(userData, CloudInit.userData(bootstrap(), caPem, "web-0"));
    Result schema = run(List.of("cloud-init", "schema", "--config-file", userData.toString()));
    assertThat(schema.exit()).as(schema.output()).isZero();
    assertThat(schema.output()).contains("Valid cloud-config");
  }

  @Test
  void aBrokenDocumentIsCaughtByTheSameValidator() throws Exception {
    // the check above can fail: a wrong type under runcmd is refused
    Path userData = dir.resolve("user-data");
    Files.writeString(
        userData, "#cloud-config\nruncmd: 42\nwrite_files: [{path: 7, permissions: [1]}]\n");
    Result schema = run(List.of("cloud-init", "schema", "--config-file", userData.toString()));
    assertThat(schema.exit()).isNotZero();
  }

  @Test
  void userDataWritesTheCaAndTheTokenAndRunsTheInstallerWithoutTheTokenOnItsCommandLine()
      throws Exception {
    String text = CloudInit.userData(bootstrap(), caPem, "web-0");
    assertThat(text).startsWith("#cloud-config\n");
    JsonNode doc = new ObjectMapper(new YAMLFactory()).readTree(text);
    JsonNode file = doc.get("write_files").get(0);
    assertThat(file.get("path").asText()).isEqualTo(CloudInit.CA_PATH);
    assertThat(file.get("content").asText()).isEqualTo(caPem);
    JsonNode token = doc.get("write_files").get(1);
    assertThat(token.get("path").asText()).isEqualTo(CloudInit.TOKEN_PATH);
    assertThat(token.get("permissions").asText()).isEqualTo("0600");
    assertThat(token.get("content").asText()).isEqualTo(TOKEN);
    assertThat(doc.get("runcmd").toString()).doesNotContain(TOKEN);
    List<String> command = new ArrayList<>();
    doc.get("runcmd").get(0).forEach(n -> command.add(n.asText()));
    assertThat(command)
        .containsExactly(
            "sh",
            "-c",
            CloudInit.INSTALL_COMMAND,
            "https://198.18.0.1:8443",
            Certificates.publicKeyHash(ca.certificate()),
            "web-0");
    assertThat(CloudInit.userData(bootstrap(), caPem, "web-0")).as("deterministic").isEqualTo(text);
  }

  @Test
  void valuesCannotInjectShellOrYaml() throws Exception {
    String hostile = "x\"; rm -rf / #\nruncmd: [pwned]";
    String text =
        CloudInit.userData(
            new AgentBootstrap("https://h:1", "sha256:" + "0".repeat(64), hostile), caPem, "p");
    JsonNode doc = new ObjectMapper(new YAMLFactory()).readTree(text);
    assertThat(doc.get("runcmd")).hasSize(1);
    assertThat(doc.get("write_files").get(1).get("content").asText()).isEqualTo(hostile);
    assertThat(doc.get("runcmd").get(0).get(5).asText()).isEqualTo("p");
    // the runcmd entry, run with a curl that only prints, passes each value as one word
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path curl = bin.resolve("curl");
    Files.writeString(curl, "#!/bin/sh\necho 'printf \"%s\\n\" \"$@\"'\n");
    curl.toFile().setExecutable(true);
    Result ran =
        run(
            List.of(
                "env",
                "PATH=" + bin + ":/usr/bin:/bin",
                "sh",
                "-c",
                CloudInit.INSTALL_COMMAND,
                "https://h:1",
                "sha256:" + "0".repeat(64),
                hostile));
    assertThat(ran.output().lines().toList())
        .containsExactly(
            "--server",
            "https://h:1",
            "--ca-hash",
            "sha256:" + "0".repeat(64),
            "--token-file",
            CloudInit.TOKEN_PATH,
            "--name",
            hostile.lines().findFirst().orElseThrow(),
            hostile.lines().skip(1).findFirst().orElseThrow());
  }

  @Test
  void installScriptIsCleanUnderShellcheck() throws Exception {
    Path script = dir.resolve("install.sh");
    Files.writeString(script, BootstrapResource.installScriptText());
    Result check = run(List.of("shellcheck", "--shell=sh", "--severity=style", script.toString()));
    assertThat(check.exit()).as(check.output()).isZero();
  }

  @Test
  void installScriptRefusesBadArgumentsBeforeTouchingAnything() throws Exception {
    Path script = dir.resolve("install.sh");
    Files.writeString(script, BootstrapResource.installScriptText());
    String hash = "sha256:" + "a".repeat(64);
    assertRefused(script, "--server is required", "--ca-hash", hash, "--token", "t");
    assertRefused(
        script,
        "--ca-hash must be sha256:",
        "--server",
        "https://h",
        "--ca-hash",
        "md5:1",
        "--token",
        "t");
    assertRefused(
        script,
        "--server must be an https:// URL",
        "--server",
        "http://h",
        "--ca-hash",
        hash,
        "--token",
        "t");
    assertRefused(script, "unknown argument: --bogus", "--bogus");
    assertRefused(
        script,
        "cannot read the token file",
        "--server",
        "https://h",
        "--ca-hash",
        hash,
        "--token-file",
        dir.resolve("missing").toString());
    assertRefused(script, "the join token is required", "--server", "https://h", "--ca-hash", hash);
  }

  @Test
  void installScriptHashesTheCaExactlyAsTheAgentPinsIt() throws Exception {
    Path pem = dir.resolve("ca.crt");
    Files.writeString(pem, caPem);
    String function = function("public_key_hash()");
    Result hash = run(List.of("sh", "-c", function + "public_key_hash \"$0\"", pem.toString()));
    assertThat(hash.exit()).as(hash.output()).isZero();
    assertThat("sha256:" + hash.output().strip())
        .isEqualTo(Certificates.publicKeyHash(ca.certificate()));
  }

  @Test
  void installScriptTrustsACaFileOnlyWhenEveryCertificateInItIsThePinnedOne() throws Exception {
    String pin = Certificates.publicKeyHash(ca.certificate());
    String other =
        Certificates.pem(
            Certificates.newCa("someone else", Instant.now(), Duration.ofDays(1)).certificate());
    assertThat(verifyCa(caPem, pin)).as("the pinned CA").isTrue();
    assertThat(verifyCa(other, pin)).as("another CA").isFalse();
    // curl --cacert would trust both: the pin must not be satisfied by one of them
    assertThat(verifyCa(caPem + other, pin)).as("pinned first, then another").isFalse();
    assertThat(verifyCa(other + caPem, pin)).as("another, then the pinned").isFalse();
  }

  private boolean verifyCa(String pem, String pin) throws Exception {
    Path file = Files.createTempFile(dir, "ca", ".crt");
    Files.writeString(file, pem);
    String functions = function("public_key_hash()") + function("verify_ca()");
    Result result =
        run(List.of("sh", "-c", functions + "verify_ca \"$0\" \"$1\"", file.toString(), pin));
    return result.exit() == 0;
  }

  private static String function(String header) {
    return BootstrapResource.installScriptText()
            .lines()
            .dropWhile(l -> !l.startsWith(header))
            .takeWhile(l -> !l.equals("}"))
            .reduce("", (a, b) -> a + b + "\n")
        + "}\n";
  }

  private void assertRefused(Path script, String message, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("sh", script.toString()));
    command.addAll(List.of(args));
    Result result = run(command);
    assertThat(result.exit()).isEqualTo(1);
    assertThat(result.output()).contains(message);
  }

  record Result(int exit, String output) {}

  static Result run(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(command + " did not finish");
    }
    return new Result(process.exitValue(), output);
  }
}
