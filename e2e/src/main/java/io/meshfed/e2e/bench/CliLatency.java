package io.meshfed.e2e.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshClusterSpec;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerSpec;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.e2e.ControlPlane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How long {@code kubectl meshfed describe} takes from the shell, beside {@code kubectl get} of the
 * same objects, and the plugin's {@code --version} (the JVM and picocli alone): a real API server,
 * a cluster of 50 peers, each command run N times in turn after one warm-up (which also makes the
 * plugin's class-data-sharing archive).
 *
 * <p>Args: repo dir, output JSON file, runs.
 */
public final class CliLatency {
  private CliLatency() {}

  public static void main(String[] args) throws Exception {
    Path repo = Path.of(args[0]).toAbsolutePath();
    Path out = Path.of(args[1]);
    int runs = Integer.parseInt(args[2]);
    Path work = Files.createTempDirectory("meshfed-bench");
    try (ControlPlane plane = ControlPlane.start(work, repo.resolve("crds"))) {
      var client = plane.client();
      MeshCluster cluster = new MeshCluster();
      cluster.getMetadata().setName("bench");
      cluster.setSpec(new MeshClusterSpec());
      client.resource(cluster).inNamespace("default").create();
      for (int i = 0; i < 50; i++) {
        Peer peer = new Peer();
        peer.getMetadata().setName("peer-" + i);
        PeerSpec spec = new PeerSpec();
        spec.setClusterRef(new ClusterReference("bench"));
        spec.setProvider(ProviderType.STATIC);
        peer.setSpec(spec);
        client.resource(peer).inNamespace("default").create();
      }
      Map<String, String> env =
          Map.of(
              "KUBECONFIG",
              plane.kubeconfig().toString(),
              "XDG_CACHE_HOME",
              work.resolve("cache").toString());
      String wrapper = repo.resolve("cli/bin/kubectl-meshfed").toString();
      Map<String, List<String>> commands = new LinkedHashMap<>();
      commands.put("describe", List.of(wrapper, "describe", "bench"));
      commands.put("version", List.of(wrapper, "--version"));
      commands.put(
          "kubectl_get",
          List.of(ControlPlane.kubectl().toString(), "get", "meshclusters,peers", "-n", "default"));
      Map<String, Long> medians = medians(commands, env, runs);
      ObjectMapper json = new ObjectMapper();
      ObjectNode result = json.createObjectNode();
      result.put("benchmark", "cli");
      result.put("cores", Runtime.getRuntime().availableProcessors());
      result.put("peers", 50);
      result.put("runs", runs);
      result.put("describe_ms", medians.get("describe"));
      result.put("version_ms", medians.get("version"));
      result.put("kubectl_get_ms", medians.get("kubectl_get"));
      Files.writeString(
          out, json.writerWithDefaultPrettyPrinter().writeValueAsString(result) + "\n");
      System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(result));
    }
  }

  /**
   * Median wall time of each command; the commands take turns, so a busy moment costs each alike.
   */
  private static Map<String, Long> medians(
      Map<String, List<String>> commands, Map<String, String> env, int runs) throws Exception {
    for (List<String> command : commands.values()) {
      run(command, env); // warm-up: page cache, and the plugin's CDS archive
    }
    Map<String, List<Long>> times = new LinkedHashMap<>();
    for (int i = 0; i < runs; i++) {
      for (var command : commands.entrySet()) {
        long start = System.nanoTime();
        run(command.getValue(), env);
        times
            .computeIfAbsent(command.getKey(), k -> new ArrayList<>())
            .add((System.nanoTime() - start) / 1_000_000);
      }
    }
    Map<String, Long> medians = new LinkedHashMap<>();
    times.forEach((name, ms) -> medians.put(name, ms.stream().sorted().toList().get(runs / 2)));
    return medians;
  }

  private static void run(List<String> command, Map<String, String> env) throws Exception {
    Path output = Files.createTempFile("cli", ".out");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    builder.environment().putAll(env);
    Process process = builder.start();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IllegalStateException(command + " failed: " + Files.readString(output));
      }
    } finally {
      Files.deleteIfExists(output);
    }
  }
}
