package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.meshfed.provider.spi.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The chart's Grafana dashboard and alert rules: rendered as Grafana's sidecar and the Prometheus
 * Operator load them, every query valid PromQL (promtool), the alerts firing on series shaped as
 * the operator exposes them (promtool's rule tests, files/alerts.test.yaml).
 */
class ChartMonitoringTest {
  static final Path CHART = Path.of(System.getProperty("meshfed.chart"));
  static final Path FILES = CHART.resolve("files");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Families a live operator exposes only once the event happens: a relay, a scale decision, a
   * failed reconcile. {@code DashboardBrowserTest} checks every other one against a live operator.
   */
  static final Set<String> APPEAR_WHEN_THEY_HAPPEN =
      Set.of(
          "meshfed_relay_received_bytes_total",
          "meshfed_pool_scale_decisions_total",
          "operator_sdk_reconciliations_failed_total");

  @Test
  void theDashboardIsAConfigMapForGrafanasSidecarAndTheRulesAPrometheusRuleWhenAskedFor()
      throws Exception {
    assertThat(render(Map.of()))
        .as("both off by default, as the ServiceMonitor")
        .noneMatch(o -> o.getKind().equals("PrometheusRule") || o.getKind().equals("ConfigMap"));
    List<HasMetadata> withDashboard = render(Map.of("metrics.grafanaDashboard.enabled", "true"));
    ConfigMap dashboard =
        withDashboard.stream()
            .filter(ConfigMap.class::isInstance)
            .map(ConfigMap.class::cast)
            .filter(c -> c.getMetadata().getName().equals("meshfed-dashboard"))
            .findFirst()
            .orElseThrow();
    assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    assertThat(JSON.readTree(dashboard.getData().get("meshfed.json")))
        .isEqualTo(JSON.readTree(FILES.resolve("grafana-dashboard.json").toFile()));
    assertThat(withDashboard).noneMatch(o -> o.getKind().equals("PrometheusRule"));

    List<HasMetadata> withRules = render(Map.of("metrics.prometheusRule.enabled", "true"));
    GenericKubernetesResource rule =
        withRules.stream()
            .filter(o -> o.getKind().equals("PrometheusRule"))
            .map(GenericKubernetesResource.class::cast)
            .findFirst()
            .orElseThrow();
    JsonNode spec = JSON.valueToTree(rule.getAdditionalProperties().get("spec"));
    assertThat(spec).isEqualTo(YAML.readTree(FILES.resolve("alerts.yaml").toFile()));
    assertThat(withRules)
        .noneMatch(
            o ->
                o.getKind().equals("ConfigMap")
                    && o.getMetadata().getName().endsWith("-dashboard"));
  }

  @Test
  void theAlertRulesParseAndFireOnTheSeriesTheOperatorExposes() {
    var check = promtool("check", "rules", FILES.resolve("alerts.yaml").toString());
    assertThat(check.ok()).as(check.stdout() + check.stderr()).isTrue();
    assertThat(check.stdout()).contains("SUCCESS: 7 rules found");
    var tests = promtool("test", "rules", FILES.resolve("alerts.test.yaml").toString());
    assertThat(tests.ok()).as(tests.stdout() + tests.stderr()).isTrue();
    assertThat(tests.stdout()).contains("SUCCESS");
  }

  @Test
  void everyDashboardQueryIsValidPromQl() throws Exception {
    List<String> exprs = dashboardQueries();
    assertThat(exprs).hasSizeGreaterThanOrEqualTo(12);
    // promtool checks PromQL in rule files: each query becomes a recording rule, Grafana's
    // variables replaced by what Grafana would put there
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
    for (int i = 0; i < exprs.size(); i++) {
      String expr =
          exprs
              .get(i)
              .replace("$__rate_interval", "2m")
              .replace("$namespace", "default")
              .replace("$cluster", "demo");
      rules
          .append("      - record: dashboard:query")
          .append(i)
          .append("\n        expr: ")
          .append(JSON.writeValueAsString(expr))
          .append('\n');
    }
    Path file = Files.createTempFile("dashboard-queries", ".yaml");
    try {
      Files.writeString(file, rules);
      var check = promtool("check", "rules", file.toString());
      assertThat(check.ok()).as(check.stdout() + check.stderr() + "\n" + rules).isTrue();
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** Every query of the dashboard's panels and variables. */
  static List<String> dashboardQueries() throws Exception {
    JsonNode dashboard = JSON.readTree(FILES.resolve("grafana-dashboard.json").toFile());
    List<String> exprs = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        exprs.add(target.path("expr").asText());
      }
    }
    return exprs;
  }

  /** The metric families the dashboard and the alerts read. */
  static Set<String> familiesRead() throws Exception {
    StringBuilder all = new StringBuilder(String.join("\n", dashboardQueries()));
    for (JsonNode group : YAML.readTree(FILES.resolve("alerts.yaml").toFile()).path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        all.append('\n').append(rule.path("expr").asText());
      }
    }
    Set<String> families = new TreeSet<>();
    Matcher m = Pattern.compile("\\b((?:meshfed|operator_sdk)_[a-z_]+)").matcher(all);
    while (m.find()) {
      families.add(m.group(1).replaceAll("_(bucket|count|sum)$", ""));
    }
    return families;
  }

  private static Command.Result promtool(String... args) {
    List<String> command = new ArrayList<>(List.of("promtool"));
    command.addAll(List.of(args));
    return Command.run(Duration.ofSeconds(60), null, command);
  }

  private static List<HasMetadata> render(Map<String, String> values) {
    var template =
        new Helm(CHART)
            .template()
            .withName("meshfed")
            .withNamespace("meshfed-system")
            .withKubeVersion("v1.34.4");
    values.forEach(template::set);
    String yaml = template.call();
    KubernetesSerialization serialization = new KubernetesSerialization();
    List<HasMetadata> objects = new ArrayList<>();
    for (String document : yaml.split("(?m)^---\\s*$")) {
      if (document.lines().anyMatch(l -> l.startsWith("kind:"))) {
        objects.add((HasMetadata) serialization.unmarshal(document));
      }
    }
    return objects;
  }
}
