package io.meshfed.e2e;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The chart installed on a test control plane and the operator run under exactly its service
 * account: what the RBAC tests check the chart's rules with.
 */
record ChartOperator(ControlPlane plane, OperatorProcess operator) implements AutoCloseable {
  static final String SYSTEM = "meshfed-system";

  /**
   * @param values what the test sets on the chart
   * @param properties the operator's properties beside the ones every such run needs
   */
  static ChartOperator start(
      Path work,
      UnaryOperator<InstallCommand> values,
      Map<String, String> properties,
      String identity,
      ControlPlane plane)
      throws Exception {
    values
        .apply(
            new Helm(Path.of(System.getProperty("meshfed.chart")))
                .install()
                .withName("meshfed")
                .withNamespace(SYSTEM)
                .createNamespace())
        .withKubeConfig(plane.kubeconfig())
        .call();
    // this run's log alone: what the tests read of it must be this operator's
    Files.deleteIfExists(work.resolve("operator.log"));
    Path kubeconfig = work.resolve("operator-kubeconfig");
    Files.writeString(kubeconfig, plane.kubeconfigOf(SYSTEM, "meshfed"));
    Map<String, String> all = new HashMap<>(properties);
    all.put("meshfed.local.enabled", "false");
    all.put("meshfed.leader-election.namespace", SYSTEM);
    all.put("meshfed.leader-election.identity", identity);
    all.put("meshfed.agent-api.tls.namespace", SYSTEM);
    return new ChartOperator(
        plane,
        OperatorProcess.start(
            Path.of(System.getProperty("meshfed.operator.jar")),
            kubeconfig,
            work.resolve("operator.log"),
            all));
  }

  @Override
  public void close() {
    if (operator != null) {
      operator.close();
    }
    if (plane != null) {
      plane.close();
    }
  }
}
