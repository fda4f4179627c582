package io.meshfed.e2e.bench;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.e2e.AgentApiAccess;
import io.meshfed.e2e.ControlPlane;
import io.meshfed.e2e.LoopbackService;
import io.meshfed.e2e.OperatorProcess;
import io.meshfed.e2e.OperatorReplicas;
import io.meshfed.e2e.ServingEndpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The agent API through an operator failover: three replicas of the built operator (leader election
 * on, the product's defaults: a 15 s Lease) behind a Service that selects the pod the leader labels
 * {@code meshfed.io/agent-api=serving} (kube-proxy's DNAT, by nftables on loopback; a killed
 * replica leaves the endpoints at once, as a pod whose container exited). N simulated agents at
 * their default cadence ({@link Swarm}) join and converge; probe peers join one at a time; then the
 * leader is killed (SIGKILL) and a probe joins at once: how long until every agent has it is the
 * gap the mesh sees. Measured too: until the Lease changed hands, until the Service sent agents to
 * the new leader, until every agent had a map from it and how many of those were full maps; then
 * probes again.
 *
 * <p>With {@code every} (decision 0026), each replica knows its address, every replica serves
 * agents and the Service spreads new connections over them; a standby passes reports on to the
 * leader.
 *
 * <p>Args: repo dir, output JSON file, agent count (default 1000), {@code leader} (only the leader
 * serves, the default) or {@code every}.
 */
public final class NetmapFailover {
  static final String LEASE_NAMESPACE = "default";
  static final List<String> REPLICAS = List.of("replica-a", "replica-b", "replica-c");
  static final int PROBES_BEFORE = 5;
  static final int PROBES_AFTER = 10;

  private NetmapFailover() {}

  record Result(
      int n,
      boolean every,
      long leaseTakeoverMs,
      long servingMs,
      long gapMs,
      long agentsBackMs,
      long fullMapsAfter,
      long deltasAfter,
      long p50BeforeMs,
      long p99BeforeMs,
      long p50AfterMs,
      long p99AfterMs) {

    String json() {
      return String.format(
          Locale.ROOT,
          "{\"n\": %d, \"replicas\": %d, \"serving\": \"%s\", \"lease_takeover_ms\": %d,"
              + " \"serving_ms\": %d,"
              + " \"gap_ms\": %d, \"agents_back_ms\": %d, \"full_maps_after\": %d,"
              + " \"deltas_after\": %d, \"p50_before_ms\": %d, \"p99_before_ms\": %d,"
              + " \"p50_after_ms\": %d, \"p99_after_ms\": %d, \"heartbeat_s\": %d}",
          n,
          REPLICAS.size(),
          every ? "every replica" : "leader",
          leaseTakeoverMs,
          servingMs,
          gapMs,
          agentsBackMs,
          fullMapsAfter,
          deltasAfter,
          p50BeforeMs,
          p99BeforeMs,
          p50AfterMs,
          p99AfterMs,
          NetmapLoad.STATUS_INTERVAL.toSeconds());
    }
  }

  public static void main(String[] args) throws Exception {
    Path repo = Path.of(args[0]).toAbsolutePath();
    Path out = Path.of(args[1]);
    int n = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    boolean every = args.length > 3 && args[3].equals("every");
    String row;
    try {
      row = run(repo, n, every).json();
    } catch (Exception e) {
      row = NetmapLoad.notCompleted(n, e);
    }
    String json =
        "{\n  \"benchmark\": \"netmap-failover\",\n  \"generator_cpus\": \"1 (taskset)\","
            + "\n  \"operator_heap_max_mib\": 512,\n  \"runs\": [\n    "
            + row
            + "\n  ]\n}\n";
    Files.writeString(out, json);
    System.out.print(json);
  }

  static Result run(Path repo, int n, boolean every) throws Exception {
    Path work = Files.createTempDirectory("meshfed-failover");
    System.out.printf("%d agents, %d replicas: control plane and operators in %s%n", n, 3, work);
    Map<String, OperatorProcess> replicas = new LinkedHashMap<>();
    try (ControlPlane plane = ControlPlane.start(work, repo.resolve("crds"));
        LoopbackService service = LoopbackService.create("agentapi", OperatorProcess.freePort())) {
      KubernetesClient client = plane.client();
      for (String identity : REPLICAS) {
        Map<String, String> properties = new LinkedHashMap<>();
        if (every) {
          int port = OperatorProcess.freePort();
          properties.put("quarkus.http.ssl-port", String.valueOf(port));
          properties.put("meshfed.agent-api.replica-address", "https://127.0.0.1:" + port);
        }
        replicas.put(
            identity,
            OperatorReplicas.start(
                client,
                repo.resolve("operator/target/quarkus-app/quarkus-run.jar"),
                plane.kubeconfig(),
                work.resolve(identity + ".log"),
                LEASE_NAMESPACE,
                identity,
                properties));
      }
      try (ServingEndpoints router =
          new ServingEndpoints(client, LEASE_NAMESPACE, service, replicas)) {
        router.start();
        NetmapLoad.pinThisProcessTo("1");
        client
            .resource(
                new NamespaceBuilder()
                    .withNewMetadata()
                    .withName(NetmapLoad.NAMESPACE)
                    .endMetadata()
                    .build())
            .create();
        client.resource(NetmapLoad.cluster()).create();
        String token =
            NetmapLoad.await(
                () -> AgentApiAccess.joinToken(client, NetmapLoad.NAMESPACE, NetmapLoad.CLUSTER),
                "the join token");
        String caHash =
            NetmapLoad.await(() -> AgentApiAccess.caHash(client, "default"), "the agent API CA");
        NetmapLoad.await(
            () -> !service.endpoints().isEmpty() ? Optional.of(true) : Optional.<Boolean>empty(),
            "a serving replica");
        try (Swarm swarm = new Swarm("https://localhost:" + service.port(), caHash, token, n)) {
          swarm.joinAll();
          swarm.startPolling();
          swarm.startReporting(NetmapLoad.STATUS_INTERVAL);
          swarm.awaitConverged(Duration.ofMinutes(30));
          System.out.printf("%d agents have the whole map%n", n);
          Thread.sleep(NetmapLoad.STEADY.toMillis());
          long[] before = probes(swarm, "before", PROBES_BEFORE);
          // two report intervals after the last join: what its peers observe of it is in its
          // status by then (a failover sooner after a NATed peer's join sends full maps: the new
          // leader's entry for it lacks the observed endpoint the agents hold)
          Thread.sleep(2 * NetmapLoad.STATUS_INTERVAL.toMillis());

          String leader = router.holder();
          System.out.printf("killing the leader %s%n", leader);
          swarm.mark();
          long killedAt = System.nanoTime();
          replicas.get(leader).kill();
          Swarm.Probe gap = swarm.probe("probe-failover", Duration.ofMinutes(5));
          long leaseTakeoverMs = router.leaderChangedAt(leader, killedAt);
          long servingMs = router.routedAwayFrom(replicas.get(leader).httpsPort(), killedAt);
          long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
          while (swarm.sinceMark().allAnsweredMs() < 0 && System.nanoTime() < deadline) {
            Thread.sleep(200);
          }
          Swarm.SinceMark back = swarm.sinceMark();
          System.out.printf(
              "failover: lease %d ms, serving %d ms, probe in every map %d ms, every agent"
                  + " answered %d ms (%d full maps, %d deltas)%n",
              leaseTakeoverMs,
              servingMs,
              gap.untilAllMs(),
              back.allAnsweredMs(),
              back.fullMaps(),
              back.deltas());
          long[] after = probes(swarm, "after", PROBES_AFTER);
          return new Result(
              n,
              every,
              leaseTakeoverMs,
              servingMs,
              gap.untilAllMs(),
              back.allAnsweredMs(),
              back.fullMaps(),
              back.deltas(),
              NetmapLoad.percentile(before, 50),
              NetmapLoad.percentile(before, 99),
              NetmapLoad.percentile(after, 50),
              NetmapLoad.percentile(after, 99));
        }
      }
    } finally {
      replicas.values().forEach(OperatorProcess::close);
    }
  }

  /** Probes one at a time, a second apart; their times until every agent had them, sorted. */
  private static long[] probes(Swarm swarm, String label, int count) throws Exception {
    long[] untilAll = new long[count];
    for (int k = 0; k < count; k++) {
      untilAll[k] = swarm.probe("probe-" + label + "-" + k, Duration.ofMinutes(2)).untilAllMs();
      Thread.sleep(1000);
    }
    Arrays.sort(untilAll);
    System.out.printf("probes %s: %s ms%n", label, Arrays.toString(untilAll));
    return untilAll;
  }
}
