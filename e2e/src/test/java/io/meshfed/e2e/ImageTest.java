package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshClusterSpec;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerSpec;
import io.meshfed.api.v1alpha1.ProviderType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The images Jib builds (target/jib-image.tar in operator and agent) run: unpacked into a root file
 * system and started as a container runtime would start them (ImageRoot), without a daemon. The
 * operator image runs with the environment, user and probes of the chart's Deployment, as the
 * chart's ServiceAccount, and reconciles.
 */
class ImageTest {
  static final Path WORK = Path.of("target/e2e/images");
  static final Path CHART = Path.of(System.getProperty("meshfed.chart"));
  static final String SYSTEM = "meshfed-system";
  static final String POD = "meshfed-7d4b9c-image";
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void theAgentImageRunsTheAgentBesideItsWireGuardTools() throws Exception {
    try (ImageRoot agent =
        ImageRoot.unpack(
            Path.of(System.getProperty("meshfed.agent.image")), WORK.resolve("agent"))) {
      assertThat(agent.repoTag()).isEqualTo("ghcr.io/meshfed/meshfed-agent:" + chartAppVersion());
      assertThat(agent.user()).as("it configures WireGuard and routes").isEqualTo("0:0");
      assertThat(agent.config().path("Volumes").has("/var/lib/meshfed"))
          .as("its key survives restarts")
          .isTrue();

      List<String> version = new ArrayList<>(agent.entrypoint());
      version.add("--version");
      ImageRoot.Result result = agent.exec(version);
      assertThat(result.exitCode()).as(result.output()).isZero();
      // the version comes from the shaded jar's manifest: "dev" would mean the jar is not the built
      // one
      assertThat(result.output().strip()).matches("meshfed-agent \\d+\\.\\d+\\.\\d+.*");

      ImageRoot.Result help = agent.exec(List.of());
      assertThat(help.exitCode()).as(help.output()).isZero();
      assertThat(help.output()).contains("join", "run");

      assertThat(agent.exec(List.of("wg", "--version")).output()).contains("wireguard-tools");
      assertThat(agent.exec(List.of("wireguard-go", "--version")).output())
          .contains("wireguard-go");
      // the current build the agent prefers where the kernel has no WireGuard: not Debian's 2022
      assertThat(agent.exec(List.of("/usr/lib/meshfed/wireguard-go", "--version")).output())
          .containsPattern("wireguard-go v0\\.0\\.20(2[3-9]|[3-9][0-9])");
      assertThat(agent.exec(List.of("ip", "-V")).output()).contains("iproute2");
    }
  }

  @Test
  void theOperatorImageRunsAsTheChartsDeploymentSaysAndReconciles() throws Exception {
    try (ControlPlane plane =
            ControlPlane.start(WORK.resolve("plane"), Path.of(System.getProperty("meshfed.crds")));
        ImageRoot image =
            ImageRoot.unpack(
                Path.of(System.getProperty("meshfed.operator.image")), WORK.resolve("operator"))) {
      // the chart gives the operator a Role in the namespace it watches: it exists first
      plane
          .client()
          .resource(new NamespaceBuilder().withNewMetadata().withName("team").endMetadata().build())
          .create();
      new Helm(CHART)
          .install()
          .withName("meshfed")
          .withNamespace(SYSTEM)
          .set("watchNamespace", "team")
          .createNamespace()
          .withKubeConfig(plane.kubeconfig())
          .call();
      Deployment deployment =
          plane.client().apps().deployments().inNamespace(SYSTEM).withName("meshfed").get();
      Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
      var podSecurity = deployment.getSpec().getTemplate().getSpec().getSecurityContext();

      assertThat(container.getImage()).isEqualTo(image.repoTag());
      assertThat(image.user())
          .isEqualTo(podSecurity.getRunAsUser() + ":" + podSecurity.getRunAsGroup());
      assertThat(image.user()).doesNotStartWith("0:");

      // the pod's token, as the chart's ServiceAccount, where a pod would find its kubeconfig
      Path kubeconfig = image.root().resolve("etc/meshfed/kubeconfig");
      Files.createDirectories(kubeconfig.getParent());
      Files.writeString(
          kubeconfig,
          plane.kubeconfigOf(
              SYSTEM, deployment.getSpec().getTemplate().getSpec().getServiceAccountName()));
      Files.setPosixFilePermissions(kubeconfig, PosixFilePermissions.fromString("r--------"));
      Files.setAttribute(kubeconfig, "unix:uid", podSecurity.getRunAsUser().intValue());

      // the pod it runs as (no kubelet here): it labels it for the agent API Service
      plane
          .client()
          .resource(
              new PodBuilder()
                  .withNewMetadata()
                  .withNamespace(SYSTEM)
                  .withName(POD)
                  .withLabels(deployment.getSpec().getTemplate().getMetadata().getLabels())
                  .endMetadata()
                  .withSpec(deployment.getSpec().getTemplate().getSpec())
                  .build())
          .create();

      int httpPort = OperatorProcess.freePort();
      int httpsPort = OperatorProcess.freePort();
      Map<String, String> env = environment(container, POD);
      env.put("KUBECONFIG", "/etc/meshfed/kubeconfig");
      env.put("QUARKUS_HTTP_PORT", Integer.toString(httpPort));
      env.put("QUARKUS_HTTP_SSL_PORT", Integer.toString(httpsPort));

      Path log = WORK.resolve("operator.log");
      Files.deleteIfExists(log);
      try (OperatorProcess operator =
          OperatorProcess.start(image.command(List.of(), env), Map.of(), log, httpsPort)) {
        String readiness = container.getReadinessProbe().getHttpGet().getPath();
        HttpClient http = HttpClient.newHttpClient();
        await()
            .atMost(Duration.ofSeconds(120))
            .ignoreExceptions()
            .untilAsserted(
                () ->
                    assertThat(
                            http.send(
                                    HttpRequest.newBuilder(
                                            URI.create("http://127.0.0.1:" + httpPort + readiness))
                                        .build(),
                                    HttpResponse.BodyHandlers.ofString())
                                .statusCode())
                        .as(readiness)
                        .isEqualTo(200));

        var client = plane.client();
        client.resource(cluster()).create();
        client.resource(staticPeer()).create();
        await()
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .untilAsserted(
                () -> {
                  Peer peer =
                      client.resources(Peer.class).inNamespace("team").withName("office").get();
                  assertThat(peer.getStatus().getSubnet())
                      .as("an address from the operator in the image")
                      .isNotNull();
                });
        var agentApi =
            plane.client().services().inNamespace(SYSTEM).withName("meshfed-agent-api").get();
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () ->
                    assertThat(
                            plane
                                .client()
                                .pods()
                                .inNamespace(SYSTEM)
                                .withLabels(agentApi.getSpec().getSelector())
                                .list()
                                .getItems())
                        .as("the agent API Service selects the operator's pod")
                        .singleElement()
                        .satisfies(p -> assertThat(p.getMetadata().getName()).isEqualTo(POD)));
        // no error — but an informer's first list that the just-started API server cut off is
        // retried (stop-on-informer-error-during-startup=false) and is no error: the Peer above
        // got its address, so every informer recovered
        assertThat(
                Files.readAllLines(operator.log()).stream()
                    .filter(line -> !isRetriedInformerList(line))
                    .collect(Collectors.joining("\n")))
            .doesNotContain("Exception")
            .doesNotContain("could not");
        assertLogIsJsonNamingTheResource(operator.log());
      }
    }
  }

  /**
   * The chart's default log format: every line one JSON object; what a reconcile logs names its
   * resource (JOSDK's MDC), so a log pipeline can select one cluster's lines.
   */
  /** The informer's own warning that it lists again after the API server closed a connection. */
  static boolean isRetriedInformerList(String line) {
    return line.contains("\"level\":\"WARN\"")
        && line.contains("listSyncAndWatch failed for")
        && line.contains("will retry")
        && line.contains("Connection was closed");
  }

  private static void assertLogIsJsonNamingTheResource(Path log) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(log)) {
      if (!line.isBlank()) {
        lines.add(json.readTree(line)); // throws on a line that is not JSON
      }
    }
    assertThat(lines)
        .isNotEmpty()
        .allSatisfy(line -> assertThat(line.path("level").asText()).isNotEmpty());
    assertThat(lines)
        .filteredOn(line -> line.path("message").asText().startsWith("issued a join token"))
        .singleElement()
        .satisfies(
            line -> {
              assertThat(line.at("/mdc/resource.kind").asText()).isEqualTo("MeshCluster");
              assertThat(line.at("/mdc/resource.namespace").asText()).isEqualTo("team");
              assertThat(line.at("/mdc/resource.name").asText()).isEqualTo("mesh");
            });
  }

  /**
   * The container's environment as the kubelet would give it: fieldRefs resolved, $(VAR) expanded.
   */
  private static Map<String, String> environment(Container container, String podName) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar var : container.getEnv()) {
      String value;
      if (var.getValueFrom() != null) {
        String field = var.getValueFrom().getFieldRef().getFieldPath();
        value =
            switch (field) {
              case "metadata.name" -> podName;
              case "metadata.namespace" -> SYSTEM;
              case "status.podIP" -> "127.0.0.1";
              default -> throw new AssertionError("a field the test does not know: " + field);
            };
      } else {
        Matcher reference = Pattern.compile("\\$\\(([A-Z_][A-Z0-9_]*)\\)").matcher(var.getValue());
        value =
            reference.replaceAll(
                m -> Matcher.quoteReplacement(env.getOrDefault(m.group(1), m.group())));
      }
      env.put(var.getName(), value);
    }
    return env;
  }

  private static String chartAppVersion() throws Exception {
    JsonNode chart = YAML.readTree(CHART.resolve("Chart.yaml").toFile());
    return chart.get("appVersion").asText();
  }

  private static MeshCluster cluster() {
    MeshCluster cluster = new MeshCluster();
    cluster.setMetadata(new ObjectMetaBuilder().withNamespace("team").withName("mesh").build());
    cluster.setSpec(new MeshClusterSpec());
    return cluster;
  }

  private static Peer staticPeer() {
    Peer peer = new Peer();
    peer.setMetadata(new ObjectMetaBuilder().withNamespace("team").withName("office").build());
    PeerSpec spec = new PeerSpec();
    spec.setClusterRef(new ClusterReference("mesh"));
    spec.setProvider(ProviderType.STATIC);
    peer.setSpec(spec);
    return peer;
  }
}
