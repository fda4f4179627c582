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
      // the wrapper as a user runs it on each JDK: 17 (class-data sharing), 25+ (AOT cache)
      Map<String, Command> commands = new LinkedHashMap<>();
      Path jdk17 = jdk(17);
      Path jdk25 = jdk(25);
      if (jdk17 != null) {
        commands.put("describe_jdk17", new Command(List.of(wrapper, "describe", "bench"), jdk17));
        commands.put("version_jdk17", new Command(List.of(wrapper, "--version"), jdk17));
      }
      if (jdk25 != null) {
        commands.put("describe_jdk25", new Command(List.of(wrapper, "describe", "bench"), jdk25));
        commands.put("version_jdk25", new Command(List.of(wrapper, "--version"), jdk25));
      }
      commands.put(
          "kubectl_get",
          new Command(
              List.of(
                  ControlPlane.kubectl().toString(), "get", "meshclusters,peers", "-n", "default"),
              null));
      Map<String, Long> medians = medians(commands, env, runs);
      ObjectMapper json = new ObjectMapper();
      ObjectNode result = json.createObjectNode();
      result.put("benchmark", "cli");
      result.put("cores", Runtime.getRuntime().availableProcessors());
      result.put("peers", 50);
      result.put("runs", runs);
      medians.forEach((name, ms) -> result.put(name + "_ms", ms));
      if (jdk17 != null) {
        result.put("jdk17", jdk17.toString());
      }
      if (jdk25 != null) {
        result.put("jdk25", jdk25.toString());
      }
      Files.writeString(
          out, json.writerWithDefaultPrettyPrinter().writeValueAsString(result) + "\n");
      System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(result));
    }
  }

  /** A command line, and the java the wrapper is told to use (MESHFED_JAVA), if any. */
  record Command(List<String> argv, Path java) {}

  /** A JDK of this feature release under /usr/lib/jvm, by its release file; null if none. */
  static Path jdk(int feature) throws Exception {
    Path jvms = Path.of("/usr/lib/jvm");
    if (!Files.isDirectory(jvms)) {
      return null;
    }
    try (var dirs = Files.list(jvms)) {
      for (Path dir : dirs.sorted().toList()) {
        Path release = dir.resolve("release");
        Path java = dir.resolve("bin/java");
        if (Files.isRegularFile(release)
            && Files.isExecutable(java)
            && Files.readString(release).contains("JAVA_VERSION=\"" + feature)) {
          return java;
        }
      }
    }
    return null;
  }

  /**
   * Median wall time of each command; the commands take turns, so a busy moment costs each alike.
   * The warm-up run of each makes the wrapper's CDS archive or AOT cache, as a user's first run
   * does; the AOT cache is assembled in the background after it, so the rounds wait until it is
   * there.
   */
  private static Map<String, Long> medians(
      Map<String, Command> commands, Map<String, String> env, int runs) throws Exception {
    Path cache = Path.of(env.get("XDG_CACHE_HOME"), "meshfed");
    for (Command command : commands.values()) {
      boolean trains = command.java() != null && !hasAot(cache);
      run(command, env);
      // the cache holds what the first run on JDK 25 loaded (here describe, as a user's first
      // command would be); wait for it so the next command does not train one of its own
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (trains && isJdk25(command) && !hasAot(cache) && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
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

  private static boolean isJdk25(Command command) throws Exception {
    return command.java() != null && command.java().equals(jdk(25));
  }

  private static boolean hasAot(Path cache) throws Exception {
    if (!Files.isDirectory(cache)) {
      return false;
    }
    try (var files = Files.list(cache)) {
      return files.anyMatch(f -> f.getFileName().toString().endsWith(".aot"));
    }
  }

  private static void run(Command command, Map<String, String> env) throws Exception {
    Path output = Files.createTempFile("cli", ".out");
    ProcessBuilder builder =
        new ProcessBuilder(command.argv())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile());
    builder.environment().putAll(env);
    if (command.java() != null) {
      builder.environment().put("MESHFED_JAVA", command.java().toString());
    }
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
