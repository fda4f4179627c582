package io.meshfed.e2e;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The agent API Service's endpoints, as Kubernetes keeps them for the chart's Service: every 100
 * ms, the pods labelled {@code meshfed.io/agent-api=serving} whose replica is alive (a pod whose
 * container exited leaves the endpoints at once), sorted by name; new connections take them in
 * turn. Records when the Lease holder and the endpoints changed.
 */
public final class ServingEndpoints implements AutoCloseable {
  private final KubernetesClient client;
  private final String namespace;
  private final LoopbackService service;
  private final Map<String, OperatorProcess> replicas;
  private final Thread thread;
  private volatile boolean stopped;
  private final Map<String, Long> holderSince = new ConcurrentHashMap<>();

  /** Each change of the endpoints: when, and the ports from then on. */
  private final List<Map.Entry<Long, List<Integer>>> routes = new CopyOnWriteArrayList<>();

  /**
   * @param namespace where the replicas' pods and the leader election Lease are
   * @param replicas the replicas by pod name
   */
  public ServingEndpoints(
      KubernetesClient client,
      String namespace,
      LoopbackService service,
      Map<String, OperatorProcess> replicas) {
    this.client = client;
    this.namespace = namespace;
    this.service = service;
    this.replicas = replicas;
    this.thread = new Thread(this::loop, "service-router");
    thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  private void loop() {
    while (!stopped) {
      try {
        String holder = holder();
        if (holder != null) {
          holderSince.putIfAbsent(holder, System.nanoTime());
        }
        List<Integer> targets =
            client
                .pods()
                .inNamespace(namespace)
                .withLabel("meshfed.io/agent-api", "serving")
                .list()
                .getItems()
                .stream()
                .map(p -> p.getMetadata().getName())
                .sorted()
                .map(replicas::get)
                .filter(Objects::nonNull)
                .filter(OperatorProcess::isAlive)
                .map(OperatorProcess::httpsPort)
                .toList();
        if (!targets.equals(service.endpoints())) {
          service.route(targets);
          routes.add(Map.entry(System.nanoTime(), targets));
          System.out.printf("service: new connections go to %s%n", targets);
        }
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        System.err.println("service router: " + e);
      }
    }
  }

  /** From {@code since} until a replica other than {@code old} held the Lease, in ms. */
  public long leaderChangedAt(String old, long since) throws InterruptedException {
    return waitFor(
        () ->
            holderSince.entrySet().stream()
                .filter(e -> !e.getKey().equals(old) && e.getValue() > since)
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(null),
        since);
  }

  /**
   * From {@code since} until new connections went to other replicas than the one at {@code oldPort}
   * (and to some replica).
   */
  public long routedAwayFrom(int oldPort, long since) throws InterruptedException {
    return waitFor(
        () ->
            routes.stream()
                .filter(
                    r ->
                        r.getKey() > since
                            && !r.getValue().isEmpty()
                            && !r.getValue().contains(oldPort))
                .map(Map.Entry::getKey)
                .findFirst()
                .orElse(null),
        since);
  }

  private static long waitFor(Supplier<Long> at, long since) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (System.nanoTime() < deadline) {
      Long value = at.get();
      if (value != null) {
        return (value - since) / 1_000_000;
      }
      Thread.sleep(100);
    }
    return -1;
  }

  @Override
  public void close() throws InterruptedException {
    stopped = true;
    thread.interrupt();
    thread.join(5000);
  }

  /** The operator replica that holds the leader election Lease now; null: none. */
  public String holder() {
    Lease lease = client.leases().inNamespace(namespace).withName("meshfed-operator-leader").get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }
}
