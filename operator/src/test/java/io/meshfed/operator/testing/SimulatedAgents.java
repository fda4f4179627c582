package io.meshfed.operator.testing;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.agent.CoordinationClient;
import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.JoinResponse;
import io.meshfed.api.agent.ReplicaStatus;
import io.meshfed.api.agent.StatusReport;
import io.meshfed.api.agent.Tokens;
import io.meshfed.operator.join.AgentSecrets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Agents of machines the operator made, spoken for over the agent API: each joins with its
 * machine's own bootstrap token (as cloud-init's install would) and sends a heartbeat every second
 * with the replicas it runs, so its Peer stays Ready. No data plane.
 */
public final class SimulatedAgents implements AutoCloseable {
  private static final long GI = 1L << 30;

  private final KubernetesClient client;
  private final String namespace;
  private final CoordinationClient api;
  private final Map<String, JoinResponse> joined = new ConcurrentHashMap<>();
  private final Map<String, Integer> seeds = new ConcurrentHashMap<>();
  private final Map<String, List<ReplicaStatus>> running = new ConcurrentHashMap<>();
  private final AtomicInteger nextSeed = new AtomicInteger(10);
  private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor();

  public SimulatedAgents(KubernetesClient client, String namespace, int httpsPort) {
    this.client = client;
    this.namespace = namespace;
    this.api = new CoordinationClient("https://localhost:" + httpsPort, TestAgents.caHash(client));
    heartbeats.scheduleWithFixedDelay(
        () ->
            joined
                .keySet()
                .forEach(
                    peer -> {
                      try {
                        report(peer);
                      } catch (Exception e) {
                        // a peer deleted meanwhile: its credential is revoked
                      }
                    }),
        1,
        1,
        TimeUnit.SECONDS);
  }

  public boolean has(String peer) {
    return joined.containsKey(peer);
  }

  /**
   * The peer's agent joins with its bootstrap token, as a machine of {@code cpus} and {@code
   * memoryGi}.
   */
  public void join(String peer) throws Exception {
    if (joined.containsKey(peer)) {
      return;
    }
    String secretName = AgentSecrets.bootstrapSecretName(peer);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> client.secrets().inNamespace(namespace).withName(secretName).get() != null);
    String token =
        Tokens.format(
            Tokens.Kind.BOOTSTRAP,
            namespace,
            peer,
            AgentSecrets.read(
                client.secrets().inNamespace(namespace).withName(secretName).get(),
                AgentSecrets.BOOTSTRAP_TOKEN));
    int seed = nextSeed.getAndIncrement();
    seeds.put(peer, seed);
    joined.put(
        peer,
        TestAgents.join(
            api,
            new JoinRequest(
                token,
                peer,
                TestAgents.key(seed),
                List.of(endpoint(seed)),
                TestAgents.facts(2, 4 * GI))));
    report(peer);
  }

  /** From now on the peer reports these replicas Running. */
  public void run(String peer, List<String> replicas) throws Exception {
    running.put(
        peer,
        replicas.stream()
            .map(r -> new ReplicaStatus(r, ReplicaStatus.RUNNING, null, 0, null, null))
            .toList());
    report(peer);
  }

  private void report(String peer) throws Exception {
    api.status(
        joined.get(peer).credential(),
        new StatusReport(
            peer,
            null,
            List.of(endpoint(seeds.get(peer))),
            TestAgents.facts(2, 4 * GI),
            List.of(),
            running.getOrDefault(peer, List.of())));
  }

  private static String endpoint(int seed) {
    return "198.18.1." + seed + ":51820";
  }

  @Override
  public void close() {
    heartbeats.shutdownNow();
  }
}
