package io.meshfed.e2e.bench;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshClusterSpec;
import io.meshfed.api.v1alpha1.NetworkSpec;
import io.meshfed.e2e.AgentApiAccess;
import io.meshfed.e2e.ControlPlane;
import io.meshfed.e2e.OperatorProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The network map under load: N simulated agents behaving as real ones do (join, long-poll, a
 * status report every 10 s — the agent's default — with a handshake for every peer of their map; no
 * WireGuard) against the built operator with its defaults on a real API server. Once all N have the
 * full map and a minute of steady reports passed, probe peers join one at a time; measured per
 * probe is the time from the start of its join until every one of the N agents has it in its map,
 * the bytes the operator sent the mesh for it, and the API writes it cost (the API server's own
 * request counters, less the steady rate). The operator's live heap (after a full GC), peak RSS and
 * CPU are read from its process. The generator runs on CPU 1 only (taskset); the operator, API
 * server and etcd may use both.
 *
 * <p>Args: repo dir, output JSON file, agent counts (e.g. 100 1000 5000).
 */
public final class NetmapLoad {
  static final String NAMESPACE = "load";
  static final String CLUSTER = "mesh";
  static final int PROBES = 30;

  /** The agent's default status interval (agent's --status-interval). */
  static final Duration STATUS_INTERVAL = Duration.ofSeconds(10);

  static final Duration STEADY = Duration.ofSeconds(60);

  private NetmapLoad() {}

  /**
   * One run's figures. Latencies in milliseconds; the p50/p99 of "every agent has it" over the
   * probes.
   */
  record Result(
      int n,
      long joinMs,
      long fullMapsMs,
      long p50Ms,
      long p99Ms,
      long firstP50Ms,
      long agentP50Ms,
      long agentP99Ms,
      long bytesPerJoin,
      double writesPerJoin,
      double steadyWritesPerS,
      double steadyLeaseWritesPerS,
      double reportsFailedPct,
      double heapMib,
      double rssPeakMib,
      double cpuCores,
      long reportIntervalS) {

    double joinsPerS() {
      return n * 1000.0 / joinMs;
    }

    String json() {
      return String.format(
          Locale.ROOT,
          "{\"n\": %d, \"p50_ms\": %d, \"p99_ms\": %d, \"joins_per_s\": %.1f,"
              + " \"full_maps_ms\": %d, \"bytes_per_join\": %d, \"writes_per_join\": %.1f,"
              + " \"heap_mib\": %.1f, \"cpu_cores\": %.2f, \"heartbeat_s\": %d,"
              + " \"steady_writes_per_s\": %.1f, \"steady_lease_writes_per_s\": %.1f,"
              + " \"reports_failed_pct\": %.2f, \"first_agent_p50_ms\": %d,"
              + " \"agent_p50_ms\": %d, \"agent_p99_ms\": %d, \"rss_peak_mib\": %.1f,"
              + " \"join_all_ms\": %d, \"heap_max_mib\": %d, \"report_interval_s\": %d}",
          n,
          p50Ms,
          p99Ms,
          joinsPerS(),
          fullMapsMs,
          bytesPerJoin,
          writesPerJoin,
          heapMib,
          cpuCores,
          STATUS_INTERVAL.toSeconds(),
          steadyWritesPerS,
          steadyLeaseWritesPerS,
          reportsFailedPct,
          firstP50Ms,
          agentP50Ms,
          agentP99Ms,
          rssPeakMib,
          joinMs,
          heapMibFor(n),
          reportIntervalS);
    }
  }

  public static void main(String[] args) throws Exception {
    int cores = Runtime.getRuntime().availableProcessors(); // before the runs pin this process
    Path repo = Path.of(args[0]).toAbsolutePath();
    Path out = Path.of(args[1]);
    List<String> rows = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      int n = Integer.parseInt(args[i]);
      String row;
      try {
        row = run(repo, n).json();
      } catch (Exception e) {
        row = notCompleted(n, e);
      }
      System.out.println(row);
      rows.add(row);
    }
    String json =
        "{\n  \"benchmark\": \"netmap\",\n  \"cores\": "
            + cores
            + ",\n  \"generator_cpus\": \"1 (taskset)\",\n  \"operator_heap_max_mib\": \"per run (heap_max_mib)\""
            + ",\n  \"probes_per_run\": "
            + PROBES
            + ",\n  \"runs\": [\n    "
            + String.join(",\n    ", rows)
            + "\n  ]\n}\n";
    Files.writeString(out, json);
    System.out.print(json);
  }

  /** A run that does not complete is a result too: where it stopped, as a JSON row. */
  static String notCompleted(int n, Exception e) {
    return String.format(
        Locale.ROOT,
        "{\"n\": %d, \"completed\": false, \"reason\": \"%s\"}",
        n,
        String.valueOf(e).replace('"', '\''));
  }

  /**
   * The operator's heap for a fleet of n, as the chart's sizing says (helm/meshfed/README.md): the
   * default memory limit up to 2 000 peers, then 2 GiB and 4 GiB limits at the image's 75 %. (Runs
   * g and the 10 000 attempt ran at 1 152 and 2 304 MiB, the sizing before run g measured the
   * process at 1.65 GiB beside a 1 152 MiB heap: each run records its heap_max_mib.)
   */
  static int heapMibFor(int n) {
    return n <= 2000 ? 512 : n <= 5000 ? 1536 : 3072;
  }

  static Result run(Path repo, int n) throws Exception {
    Path work = Files.createTempDirectory("meshfed-netmap");
    System.out.printf("%d agents: control plane and operator in %s%n", n, work);
    try (ControlPlane plane = ControlPlane.start(work, repo.resolve("crds"));
        OperatorProcess operator =
            OperatorProcess.start(
                repo.resolve("operator/target/quarkus-app/quarkus-run.jar"),
                plane.kubeconfig(),
                work.resolve("operator.log"),
                // the product's defaults: only where the leader election Lease lives
                Map.of("meshfed.leader-election.namespace", "default"),
                heapMibFor(n))) {
      KubernetesClient client = plane.client();
      pinThisProcessTo("1");
      client
          .resource(
              new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
          .create();
      client.resource(cluster()).create();
      String token =
          await(() -> AgentApiAccess.joinToken(client, NAMESPACE, CLUSTER), "the join token");
      String caHash = await(() -> AgentApiAccess.caHash(client, "default"), "the agent API CA");
      try (Swarm swarm = new Swarm("https://localhost:" + operator.httpsPort(), caHash, token, n)) {
        long start = System.nanoTime();
        swarm.joinAll();
        long joinMs = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("%d agents joined in %d ms%n", n, joinMs);
        start = System.nanoTime();
        swarm.startPolling();
        swarm.startReporting(STATUS_INTERVAL);
        swarm.awaitConverged(Duration.ofMinutes(30));
        long fullMapsMs = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("%d agents have the whole map after %d ms%n", n, fullMapsMs);
        Thread.sleep(STEADY.toMillis()); // the joins' own status writes settle

        ApiWrites steadyFrom = ApiWrites.read(client);
        long steadyStart = System.nanoTime();
        Thread.sleep(STEADY.toMillis());
        ApiWrites steadyTo = ApiWrites.read(client);
        double steadySeconds = (System.nanoTime() - steadyStart) / 1e9;
        double steadyWritesPerS = (steadyTo.all() - steadyFrom.all()) / steadySeconds;
        double steadyLeasesPerS = (steadyTo.leases() - steadyFrom.leases()) / steadySeconds;
        System.out.printf(
            "steady: %.1f API writes/s (%.1f Lease writes/s)%n",
            steadyWritesPerS, steadyLeasesPerS);

        ProcessStats stats = new ProcessStats(operator.pid());
        long[] reportsBefore = swarm.reportCounts();
        ApiWrites probesFrom = ApiWrites.read(client);
        long[] untilAll = new long[PROBES];
        long[] first = new long[PROBES];
        long[] perAgent = new long[PROBES * n];
        long bytes = 0;
        long cpuBefore = stats.cpuTicks();
        long wallBefore = System.nanoTime();
        for (int k = 0; k < PROBES; k++) {
          Swarm.Probe probe = swarm.probe("probe-" + k, Duration.ofMinutes(2));
          untilAll[k] = probe.untilAllMs();
          first[k] = probe.firstMs();
          System.arraycopy(probe.perAgentMs(), 0, perAgent, k * n, n);
          bytes += probe.bytes();
          Thread.sleep(1000); // probes apart, so that no two share a coalescing window
        }
        double probeSeconds = (System.nanoTime() - wallBefore) / 1e9;
        double cpuCores =
            (stats.cpuTicks() - cpuBefore) / (double) ProcessStats.TICKS_PER_SECOND / probeSeconds;
        ApiWrites probesTo = ApiWrites.read(client);
        System.out.printf(
            "API writes during the %d probes:%n%s", PROBES, probesTo.since(probesFrom));
        System.out.printf(
            "API writes during the %.0f s of steady reports:%n%s",
            steadySeconds, steadyTo.since(steadyFrom));
        // every write but the heartbeat Leases while the probes joined, per probe: an upper bound
        // (a heartbeat refresh of some peer's status that fell in the window counts too)
        double writesPerJoin =
            (probesTo.all() - probesTo.leases() - probesFrom.all() + probesFrom.leases())
                / (double) PROBES;
        long[] reportsAfter = swarm.reportCounts();
        double failedPct =
            100.0
                * (reportsAfter[1] - reportsBefore[1])
                / Math.max(1, reportsAfter[0] - reportsBefore[0]);
        Arrays.sort(untilAll);
        Arrays.sort(first);
        Arrays.sort(perAgent);
        return new Result(
            n,
            joinMs,
            fullMapsMs,
            percentile(untilAll, 50),
            percentile(untilAll, 99),
            percentile(first, 50),
            percentile(perAgent, 50),
            percentile(perAgent, 99),
            bytes / PROBES,
            writesPerJoin,
            steadyWritesPerS,
            steadyLeasesPerS,
            failedPct,
            stats.liveHeapMib(),
            stats.peakRssMib(),
            cpuCores,
            // the agents' own interval, or the longer one the operator asked for
            Math.max(STATUS_INTERVAL.toSeconds(), swarm.longestAskedIntervalSeconds()));
      }
    }
  }

  /**
   * This JVM (every thread it has; threads it makes later inherit it) on these CPUs only: the
   * generator must not take the operator's.
   */
  static void pinThisProcessTo(String cpus) throws IOException, InterruptedException {
    Process taskset =
        new ProcessBuilder(
                "taskset", "-a", "-p", "-c", cpus, Long.toString(ProcessHandle.current().pid()))
            .redirectErrorStream(true)
            .start();
    String output = new String(taskset.getInputStream().readAllBytes());
    if (taskset.waitFor() != 0) {
      throw new IOException("taskset: " + output);
    }
  }

  /**
   * The API server's count of mutating requests (POST, PUT, PATCH, APPLY, DELETE) since it started,
   * all and those on Leases, from its own metrics.
   */
  record ApiWrites(long all, long leases, Map<String, Long> byKind) {
    private static final Pattern REQUESTS =
        Pattern.compile("^apiserver_request_total\\{([^}]*)\\} ([0-9.e+]+)$", Pattern.MULTILINE);
    private static final Pattern VERB = Pattern.compile("verb=\"(POST|PUT|PATCH|APPLY|DELETE)\"");
    private static final Pattern LABEL =
        Pattern.compile("(resource|subresource|verb)=\"([^\"]*)\"");

    static ApiWrites read(KubernetesClient client) {
      String metrics = client.raw("/metrics");
      long all = 0;
      long leases = 0;
      Map<String, Long> byKind = new TreeMap<>();
      Matcher m = REQUESTS.matcher(metrics);
      while (m.find()) {
        if (VERB.matcher(m.group(1)).find()) {
          long count = (long) Double.parseDouble(m.group(2));
          all += count;
          if (m.group(1).contains("resource=\"leases\"")) {
            leases += count;
          }
          StringBuilder kind = new StringBuilder();
          Matcher label = LABEL.matcher(m.group(1));
          while (label.find()) {
            if (!label.group(2).isEmpty()) {
              kind.append(kind.length() == 0 ? "" : " ").append(label.group(2));
            }
          }
          byKind.merge(kind.toString(), count, Long::sum);
        }
      }
      return new ApiWrites(all, leases, byKind);
    }

    /** Writes since {@code before} by resource and verb, most first. */
    String since(ApiWrites before) {
      StringBuilder out = new StringBuilder();
      byKind.entrySet().stream()
          .map(
              e ->
                  Map.entry(
                      e.getKey(), e.getValue() - before.byKind().getOrDefault(e.getKey(), 0L)))
          .filter(e -> e.getValue() > 0)
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
          .limit(8)
          .forEach(e -> out.append(String.format("  %6d %s%n", e.getValue(), e.getKey())));
      return out.toString();
    }
  }

  static MeshCluster cluster() {
    MeshCluster cluster = new MeshCluster();
    cluster.setMetadata(new ObjectMetaBuilder().withNamespace(NAMESPACE).withName(CLUSTER).build());
    MeshClusterSpec spec = new MeshClusterSpec();
    NetworkSpec network = new NetworkSpec();
    network.setCidr("100.64.0.0/10"); // 16384 peer subnets of /24
    network.setPersistentKeepalive(25);
    spec.setNetwork(network);
    cluster.setSpec(spec);
    return cluster;
  }

  static long percentile(long[] sorted, int p) {
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  static <T> T await(Supplier<Optional<T>> what, String name) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (System.nanoTime() < deadline) {
      Optional<T> value = what.get();
      if (value.isPresent()) {
        return value.get();
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the operator did not make " + name + " within 2 minutes");
  }

  /** The operator's JVM as the kernel and jcmd see it. */
  static final class ProcessStats {
    static final int TICKS_PER_SECOND = 100; // USER_HZ on Linux
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");
    private final long pid;

    ProcessStats(long pid) {
      this.pid = pid;
    }

    /** utime + stime, in clock ticks. */
    long cpuTicks() throws IOException {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // fields 14 and 15 of proc(5)
    }

    double peakRssMib() throws IOException {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
        }
      }
      throw new IOException("no VmHWM in /proc/" + pid + "/status");
    }

    /**
     * Heap in use right after a full GC: what the operator keeps, not what it has not yet
     * collected.
     */
    double liveHeapMib() throws IOException, InterruptedException {
      jcmd("GC.run");
      Matcher used = HEAP_USED.matcher(jcmd("GC.heap_info"));
      if (!used.find()) {
        throw new IOException("jcmd GC.heap_info printed no heap usage");
      }
      return Long.parseLong(used.group(1)) / 1024.0;
    }

    private String jcmd(String command) throws IOException, InterruptedException {
      Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
      Process process =
          new ProcessBuilder(java.resolveSibling("jcmd").toString(), Long.toString(pid), command)
              .redirectErrorStream(true)
              .start();
      String output = new String(process.getInputStream().readAllBytes());
      if (process.waitFor() != 0) {
        throw new IOException("jcmd " + command + ": " + output);
      }
      return output;
    }
  }
}
