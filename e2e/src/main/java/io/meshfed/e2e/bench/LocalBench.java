package io.meshfed.e2e.bench;

import io.meshfed.e2e.ControlPlane;
import io.meshfed.e2e.LocalMachines;
import io.meshfed.e2e.OperatorProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The benchmarks' local peers: a state root and a bridge of their own, apart from the quick start's
 * and the e2e tests', and the built operator started for them.
 */
final class LocalBench {
  static final Path STATE_ROOT = Path.of("/run/meshfed-bench");
  static final String BRIDGE = "mfbrbench";
  static final String BRIDGE_ADDRESS = "198.19.200.1/24";

  private LocalBench() {}

  /** Removes what an earlier run (or this one) left: machines, then the bridge. */
  static void sweep() {
    LocalMachines.sweep(STATE_ROOT, BRIDGE, BRIDGE_ADDRESS);
  }

  /**
   * The built operator against {@code plane}, with local peers on the benchmarks' bridge, its log
   * in {@code work}; {@code settings} on top of those.
   */
  static OperatorProcess operator(
      Path repo, ControlPlane plane, Path work, Map<String, String> settings) throws IOException {
    Map<String, String> properties =
        new HashMap<>(LocalMachines.operatorProperties(repo, STATE_ROOT, BRIDGE, BRIDGE_ADDRESS));
    properties.put("meshfed.leader-election.namespace", "default");
    properties.putAll(settings);
    return OperatorProcess.start(
        repo.resolve("operator/target/quarkus-app/quarkus-run.jar"),
        plane.kubeconfig(),
        work.resolve("operator.log"),
        properties);
  }
}
