package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart: lint, render over several value sets, refuse bad values, install onto a real API
 * server.
 */
class HelmChartTest {
  static final Path CHART = Path.of(System.getProperty("meshfed.chart"));
  static final Path CRDS = Path.of(System.getProperty("meshfed.crds"));
  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  static ControlPlane plane;

  @BeforeAll
  static void start() throws IOException {
    plane = ControlPlane.start(Path.of("target/e2e/helm"), CRDS);
  }

  @AfterAll
  static void stop() {
    if (plane != null) {
      plane.close();
    }
  }

  @Test
  void theChartsCrdsAreTheGeneratedOnes() throws IOException {
    assertThat(contents(CHART.resolve("crds"))).isEqualTo(contents(CRDS));
  }

  @Test
  void lintIsCleanUnderStrict() {
    LintResult lint = new Helm(CHART).lint().strict().call();
    assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
    assertThat(lint.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
  }

  @Test
  void defaultsWatchTheReleasesNamespaceAloneWithAHardenedOperator() {
    List<HasMetadata> objects = render(t -> t);
    assertThat(kinds(objects))
        .containsExactlyInAnyOrder(
            "ServiceAccount",
            "Role",
            "RoleBinding",
            "Role",
            "RoleBinding",
            "Deployment",
            "Service",
            "Service");
    Deployment deployment = one(objects, Deployment.class);
    var pod = deployment.getSpec().getTemplate().getSpec();
    var container = pod.getContainers().get(0);
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
    assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
    assertThat(container.getImage()).isEqualTo("ghcr.io/meshfed/meshfed-operator:0.1.0");
    assertThat(env(deployment))
        .containsEntry("MESHFED_LOCAL_ENABLED", "false")
        .containsEntry(
            "MESHFED_AGENT_API_ENDPOINT", "https://meshfed-agent-api.meshfed-system.svc:8443")
        .doesNotContainKey("MESHFED_AGENT_API_TLS_SECRET")
        .containsEntry("QUARKUS_OPERATOR_SDK_NAMESPACES", "meshfed-system")
        .containsEntry("MESHFED_LEADER_ELECTION_POD", "$(POD_NAME)")
        .containsEntry("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "true");
    // agents reach the leader only: the Service selects the pod the leader labels
    assertThat(objects)
        .filteredOn(
            o -> o.getKind().equals("Service") && o.getMetadata().getName().endsWith("agent-api"))
        .singleElement()
        .satisfies(
            s ->
                assertThat(((Service) s).getSpec().getSelector())
                    .containsEntry("meshfed.io/agent-api", "serving"));
    // least privilege by default: Secrets in the release's namespace alone, nothing cluster-wide;
    // pods are labelled there too
    List<Role> roles =
        objects.stream().filter(Role.class::isInstance).map(Role.class::cast).toList();
    assertThat(roles)
        .allSatisfy(r -> assertThat(r.getMetadata().getNamespace()).isEqualTo("meshfed-system"));
    assertThat(roles.stream().flatMap(r -> r.getRules().stream()))
        .flatExtracting(rule -> rule.getResources())
        .contains("secrets", "pods", "leases");
  }

  @Test
  void watchingAllNamespacesIsAClusterRoleAndSaysWhatItReads() {
    List<HasMetadata> objects = render(t -> t.set("watchAllNamespaces", true));
    assertThat(kinds(objects)).contains("ClusterRole", "ClusterRoleBinding");
    assertThat(env(one(objects, Deployment.class)))
        .doesNotContainKey("QUARKUS_OPERATOR_SDK_NAMESPACES");
    // pods are labelled in the release's namespace only, never cluster-wide
    assertThat(objects)
        .filteredOn(o -> o.getKind().equals("Role"))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getMetadata().getNamespace()).isEqualTo("meshfed-system");
              assertThat(((Role) r).getRules())
                  .singleElement()
                  .satisfies(rule -> assertThat(rule.getResources()).containsExactly("pods"));
            });
    assertThat(one(objects, ClusterRole.class).getRules())
        .noneMatch(rule -> rule.getResources().contains("pods"));
  }

  @Test
  void oneWatchedNamespaceGetsARoleThereAndTheOperatorsOwnNamespaceItsLeaseAndSecrets() {
    List<HasMetadata> objects = render(t -> t.set("watchNamespace", "team-a"));
    assertThat(kinds(objects))
        .doesNotContain("ClusterRole", "ClusterRoleBinding")
        .contains("Role", "RoleBinding");
    assertThat(objects)
        .filteredOn(o -> o.getKind().equals("Role"))
        .extracting(o -> o.getMetadata().getNamespace())
        .containsExactlyInAnyOrder("team-a", "meshfed-system");
    assertThat(env(one(objects, Deployment.class)))
        .containsEntry("QUARKUS_OPERATOR_SDK_NAMESPACES", "team-a");
  }

  @Test
  void exposureTlsAndHighAvailabilityOptionsRender() {
    List<HasMetadata> objects =
        render(
            t ->
                t.set("replicas", 2)
                    .set("podDisruptionBudget.enabled", true)
                    .set("metrics.serviceMonitor.enabled", true)
                    .set("agentApi.ingress.enabled", true)
                    .set("agentApi.ingress.host", "mesh.example.com")
                    .set("agentApi.tls.mode", "certManager")
                    .set("agentApi.tls.certManager.issuerRef.name", "letsencrypt")
                    .withValuesFile(valuesFile("providers: {enabled: [aws, gcp]}")));
    assertThat(kinds(objects))
        .contains("PodDisruptionBudget", "ServiceMonitor", "Ingress", "Certificate");
    Deployment deployment = one(objects, Deployment.class);
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    assertThat(env(deployment))
        .containsEntry("MESHFED_AGENT_API_ENDPOINT", "https://mesh.example.com")
        .containsEntry("MESHFED_AGENT_API_TLS_SECRET", "meshfed-agent-api-tls")
        .containsEntry("MESHFED_PROVIDERS_ENABLED", "aws,gcp");
    GenericKubernetesResource certificate =
        (GenericKubernetesResource)
            objects.stream()
                .filter(o -> o.getKind().equals("Certificate"))
                .findFirst()
                .orElseThrow();
    assertThat(certificate.get("spec", "secretName").toString()).isEqualTo("meshfed-agent-api-tls");

    List<HasMetadata> loadBalanced =
        render(
            t ->
                t.set("agentApi.service.type", "LoadBalancer")
                    .set("agentApi.endpoint", "https://203.0.113.10:8443")
                    .set("agentApi.tls.mode", "existingSecret")
                    .set("agentApi.tls.existingSecret", "my-tls"));
    assertThat(env(one(loadBalanced, Deployment.class)))
        .containsEntry("MESHFED_AGENT_API_TLS_SECRET", "my-tls")
        .containsEntry("MESHFED_AGENT_API_ENDPOINT", "https://203.0.113.10:8443");
    assertThat(loadBalanced)
        .filteredOn(
            o -> o.getKind().equals("Service") && o.getMetadata().getName().endsWith("agent-api"))
        .singleElement()
        .satisfies(s -> assertThat(((Service) s).getSpec().getType()).isEqualTo("LoadBalancer"));
  }

  @Test
  void badValuesFailAtInstallWithAClearMessage() {
    assertRefused(t -> t.set("replicas", 0), "replicas");
    assertRefused(t -> t.set("agentApi.service.type", "Public"), "type");
    assertRefused(t -> t.set("agentApi.tls.mode", "existingSecret"), "existingSecret");
    assertRefused(t -> t.set("agentApi.endpoint", "http://insecure:80"), "endpoint");
    assertRefused(
        t -> t.withValuesFile(valuesFile("providers: {enabled: [openstack]}")), "enabled");
    assertRefused(t -> t.set("replica", 2), "replica");
  }

  @Test
  void installOntoARealApiServerIsAcceptedObjectByObject() throws Exception {
    for (Map<String, Object> values :
        List.<Map<String, Object>>of(
            Map.of(),
            Map.of("watchAllNamespaces", true, "metrics.grafanaDashboard.enabled", true),
            Map.of("watchNamespace", "team-b", "replicas", 2, "podDisruptionBudget.enabled", true),
            Map.of(
                "agentApi.service.type",
                "NodePort",
                "agentApi.service.nodePort",
                30443,
                "agentApi.ingress.enabled",
                true,
                "agentApi.ingress.host",
                "mesh.example.com"))) {
      String release = "mf" + Math.abs(values.hashCode() % 10_000);
      String namespace = release + "-system";
      if (values.containsKey("watchNamespace")) {
        plane
            .client()
            .namespaces()
            .resource(
                new NamespaceBuilder()
                    .withNewMetadata()
                    .withName(values.get("watchNamespace").toString())
                    .endMetadata()
                    .build())
            .createOr(n -> n.update());
      }
      var install =
          new Helm(CHART)
              .install()
              .withName(release)
              .withNamespace(namespace)
              .createNamespace()
              .withKubeConfig(plane.kubeconfig());
      values.forEach(install::set);
      var result = install.call();
      assertThat(result.getStatus()).isEqualTo("deployed");
      // every object the chart renders is stored by the server
      List<HasMetadata> rendered =
          render(
              t -> {
                TemplateCommand template = t.withName(release).withNamespace(namespace);
                values.forEach(template::set);
                return template;
              });
      for (HasMetadata object : rendered) {
        String objectNamespace = object.getMetadata().getNamespace();
        var stored =
            plane
                .client()
                .genericKubernetesResources(object.getApiVersion(), object.getKind())
                .inNamespace(objectNamespace == null ? namespace : objectNamespace)
                .withName(object.getMetadata().getName())
                .get();
        if (objectNamespace == null && stored == null) {
          stored =
              plane
                  .client()
                  .genericKubernetesResources(object.getApiVersion(), object.getKind())
                  .withName(object.getMetadata().getName())
                  .get();
        }
        assertThat(stored)
            .as(object.getKind() + " " + object.getMetadata().getName() + " of " + values)
            .isNotNull();
      }
    }
  }

  private static Path valuesFile(String yaml) {
    try {
      Path file = Files.createTempFile("values-", ".yaml");
      file.toFile().deleteOnExit();
      return Files.writeString(file, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void assertRefused(UnaryOperator<TemplateCommand> values, String mentioning) {
    assertThatThrownBy(() -> render(values))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining(mentioning);
  }

  private static List<HasMetadata> render(UnaryOperator<TemplateCommand> values) {
    TemplateCommand template =
        new Helm(CHART)
            .template()
            .withName("meshfed")
            .withNamespace("meshfed-system")
            .withKubeVersion(
                "v1.34.4"); // the test control plane's (helm template assumes an old one)
    String yaml = values.apply(template).call();
    List<HasMetadata> objects = new ArrayList<>();
    for (String document : yaml.split("(?m)^---\\s*$")) {
      if (document.lines().anyMatch(l -> l.startsWith("kind:"))) {
        Object parsed = SERIALIZATION.unmarshal(document);
        objects.add((HasMetadata) parsed);
      }
    }
    return objects;
  }

  private static List<String> kinds(List<HasMetadata> objects) {
    return objects.stream().map(HasMetadata::getKind).toList();
  }

  private static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
  }

  private static Map<String, String> env(Deployment deployment) {
    return deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .filter(e -> e.getValue() != null)
        .collect(Collectors.toMap(e -> e.getName(), e -> e.getValue()));
  }

  private static Map<String, String> contents(Path dir) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path file : list.toList()) {
        files.put(file.getFileName().toString(), Files.readString(file));
      }
    }
    return files;
  }
}
