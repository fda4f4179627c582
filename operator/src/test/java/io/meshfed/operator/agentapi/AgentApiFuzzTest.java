package io.meshfed.operator.agentapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.agent.CoordinationClient;
import io.meshfed.agent.PinnedTrust;
import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.JoinResponse;
import io.meshfed.operator.join.AgentSecrets;
import io.meshfed.operator.server.AgentApiTls;
import io.meshfed.operator.testing.KubeApiServerResource;
import io.meshfed.operator.testing.TestAgents;
import io.meshfed.operator.testing.TestObjects;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * schemathesis (the property-based API fuzzer, from PyPI: {@code hack/install-schemathesis.sh})
 * against the operator's own OpenAPI document, over HTTPS as agents speak it: without credentials
 * and with a joined peer's. Its checks: no 5xx, a status code and a body the document declares for
 * every answer, a request the schema refuses refused, one it accepts not refused for its shape, no
 * 2xx without credentials, 405 with {@code Allow} for methods an operation lacks.
 */
@QuarkusTest
@QuarkusTestResource(value = KubeApiServerResource.class, restrictToAnnotatedClass = false)
class AgentApiFuzzTest {
  @ConfigProperty(name = "quarkus.http.test-ssl-port")
  int httpsPort;

  @TempDir Path work;

  private final KubernetesClient client = KubeApiServerResource.client();

  static Path schemathesis() {
    String fromEnv = System.getenv("SCHEMATHESIS");
    Path path =
        fromEnv != null
            ? Path.of(fromEnv)
            : Path.of(
                System.getProperty("user.home"), ".cache/meshfed/schemathesis/bin/schemathesis");
    assertThat(path).as("schemathesis: run hack/install-schemathesis.sh").isExecutable();
    return path;
  }

  @Test
  void theFuzzerFindsNothingWithoutCredentialsAndWithAPeers() throws Exception {
    String namespace = TestObjects.freshNamespace(client, "fuzz");
    client.resource(TestObjects.cluster(namespace, "mesh", "100.83.0.0/16", 24)).create();
    Secret ca = client.secrets().inNamespace("default").withName(AgentApiTls.CA_SECRET).get();
    Path caFile = Files.writeString(work.resolve("ca.crt"), AgentSecrets.read(ca, "tls.crt"));
    String server = "https://localhost:" + httpsPort;
    CoordinationClient api = new CoordinationClient(server, TestAgents.caHash(client));
    JoinResponse joined =
        TestAgents.join(
            api,
            new JoinRequest(
                TestAgents.clusterToken(client, namespace, "mesh"),
                "fuzzed",
                TestAgents.key(4242),
                List.of("198.18.40.1:51820"),
                TestAgents.facts(2, 4L << 30)));

    // the document as served, for whoever reads the run
    HttpResponse<String> document =
        HttpClient.newBuilder()
            .sslContext(PinnedTrust.context(TestAgents.caHash(client)))
            .build()
            .send(
                HttpRequest.newBuilder(URI.create(server + "/q/openapi?format=json")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(document.statusCode()).isEqualTo(200);
    Files.writeString(Path.of("target/agent-api-openapi.json"), document.body());

    Run anonymous = fuzz(server, caFile, List.of(), "anonymous");
    Run peer =
        fuzz(server, caFile, List.of("-H", "Authorization: Bearer " + joined.credential()), "peer");
    assertThat(anonymous.exit()).as(anonymous.output()).isZero();
    assertThat(peer.exit()).as(peer.output()).isZero();
  }

  record Run(int exit, String output) {}

  private Run fuzz(String server, Path caFile, List<String> extra, String name) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(schemathesis().toString());
    command.addAll(
        List.of(
            "run",
            server + "/q/openapi?format=json",
            "--url",
            server,
            "--tls-verify",
            caFile.toString(),
            "--checks",
            "all",
            "--max-examples",
            "30",
            "--seed",
            "1",
            // JSON is UTF-8 (RFC 8259): a string with a lone surrogate is no body at all
            "--generation-codec",
            "ascii",
            "--no-color"));
    command.addAll(extra);
    Path log = work.resolve("schemathesis-" + name + ".log");
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!process.waitFor(Duration.ofMinutes(4).toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return new Run(-1, "timed out: " + Files.readString(log));
    }
    String output = Files.readString(log);
    System.out.println(output);
    return new Run(process.exitValue(), output);
  }
}
