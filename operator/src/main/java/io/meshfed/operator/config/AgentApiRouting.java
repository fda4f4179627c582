package io.meshfed.operator.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigUtils;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * Which operator replicas agents reach, and where a replica finds the leader (decision 0026).
 *
 * <p>A replica that knows its own address ({@code meshfed.agent-api.replica-address}, the chart's
 * pod IP) serves agents whether it leads or not: it labels its pod {@value #LABEL}={@value
 * #SERVING} once its maps are built ({@link #mapsReady}) and writes the address on it ({@value
 * #ADDRESS}). The leader also labels its pod {@value #LEADER}=true (and takes it off any other pod
 * that still says so: a replica that crashed while leading); a standby sends what the leader's
 * memory holds (reports, key rotations, log streams) to the address on that pod. The chart's agent
 * API Service selects {@value #SERVING}.
 *
 * <p>A replica without an address serves agents only while it leads, as before: the leader labels
 * itself serving and every other pod standby. Without a configured pod (outside Kubernetes, one
 * replica) nothing is labelled and this replica does everything.
 */
@Singleton
public class AgentApiRouting {
  public static final String LABEL = "meshfed.io/agent-api";
  public static final String SERVING = "serving";
  public static final String STANDBY = "standby";
  public static final String LEADER = "meshfed.io/leader";
  public static final String ADDRESS = "meshfed.io/agent-api-address";
  private static final Logger LOG = Logger.getLogger(AgentApiRouting.class);
  private static final ObjectMapper PATCHES = new ObjectMapper();

  private final KubernetesClient client;
  private final Optional<String> pod;
  private final Optional<String> address;
  private final String namespace;
  private volatile boolean leading;
  private volatile boolean ready;
  private final boolean electing;
  private volatile SharedIndexInformer<Pod> leaders;
  private final ScheduledExecutorService retries =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread thread = new Thread(r, "agent-api-routing");
            thread.setDaemon(true);
            return thread;
          });

  public AgentApiRouting(KubernetesClient client, MeshfedConfig config) {
    this.client = client;
    this.pod = config.leaderElection().pod();
    this.address = config.agentApi().replicaAddress();
    this.namespace = config.leaderElection().namespace().orElseGet(client::getNamespace);
    this.electing = leaderElectionActive();
  }

  /**
   * Whether the agents' reports reach this replica's memory: the leader's, or the only replica's
   * where no leader is elected (dev, test, the local quick start).
   */
  public boolean holdsReports() {
    return leading || !electing;
  }

  /** Whether every replica serves agents, standbys passing on what only the leader holds. */
  public boolean everyReplicaServes() {
    return electing && pod.isPresent() && address.isPresent();
  }

  /** This replica's pod name, when configured. */
  public Optional<String> pod() {
    return pod;
  }

  /**
   * Where the leader's agent API is, as its pod says; empty while this replica leads, or no other
   * pod says it leads.
   */
  public Optional<String> leaderAddress() {
    SharedIndexInformer<Pod> informer = leaders;
    if (leading || informer == null) {
      return Optional.empty();
    }
    return informer.getStore().list().stream()
        .filter(p -> !p.getMetadata().getName().equals(pod.orElse(null)))
        .map(p -> p.getMetadata().getAnnotations())
        .filter(a -> a != null && a.containsKey(ADDRESS))
        .map(a -> a.get(ADDRESS))
        .findFirst();
  }

  private static boolean leaderElectionActive() {
    List<String> profiles =
        ConfigProvider.getConfig()
            .getOptionalValues(
                "quarkus.operator-sdk.activate-leader-election-for-profiles", String.class)
            .orElse(List.of("prod"));
    return ConfigUtils.getProfiles().stream().anyMatch(profiles::contains);
  }

  synchronized void onStart(@Observes StartupEvent start) {
    if (!leading) {
      pod.ifPresent(name -> label(name, labels(STANDBY, null), null));
    }
    if (everyReplicaServes()) {
      leaders = client.pods().inNamespace(namespace).withLabel(LEADER, "true").inform();
    }
  }

  void onStop(@Observes ShutdownEvent stop) {
    SharedIndexInformer<Pod> informer = leaders;
    if (informer != null) {
      informer.close();
    }
    retries.shutdownNow();
  }

  /** This replica's maps hold what the API holds now: agents may come (every replica serving). */
  public synchronized void mapsReady() {
    ready = true;
    if (everyReplicaServes()) {
      if (!label(pod.get(), labels(SERVING, leading ? "true" : null), address.get())) {
        retries.schedule(this::mapsReady, 5, TimeUnit.SECONDS);
      }
    }
  }

  /** The Lease is ours: the reports come here. */
  synchronized void startedLeading() {
    leading = true;
    pod.ifPresent(
        self -> {
          boolean serving = !everyReplicaServes() || ready;
          if (!label(self, labels(serving ? SERVING : STANDBY, "true"), address.orElse(null))) {
            // agents cannot reach a leader whose pod is not labelled: try again until it is
            retries.schedule(this::startedLeading, 5, TimeUnit.SECONDS);
            return;
          }
          try {
            for (Pod other :
                client.pods().inNamespace(namespace).withLabel(LEADER).list().getItems()) {
              if (!other.getMetadata().getName().equals(self)) {
                label(other.getMetadata().getName(), labels(null, null), null);
              }
            }
            if (!everyReplicaServes()) {
              for (Pod other :
                  client
                      .pods()
                      .inNamespace(namespace)
                      .withLabel(LABEL, SERVING)
                      .list()
                      .getItems()) {
                if (!other.getMetadata().getName().equals(self)) {
                  label(other.getMetadata().getName(), labels(STANDBY, null), null);
                }
              }
            }
          } catch (KubernetesClientException e) {
            LOG.errorf(
                "could not relabel the other replicas' pods in %s: %s", namespace, e.getMessage());
          }
        });
  }

  /** The labels to write: {@code serving} null leaves the agent API label as it is. */
  private static Map<String, String> labels(String serving, String leader) {
    Map<String, String> labels = new LinkedHashMap<>();
    if (serving != null) {
      labels.put(LABEL, serving);
    }
    labels.put(LEADER, leader); // null removes it
    return labels;
  }

  private boolean label(String podName, Map<String, String> labels, String replicaAddress) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("labels", labels); // a null value removes the label (JSON merge patch)
    if (replicaAddress != null) {
      metadata.put("annotations", Map.of(ADDRESS, replicaAddress));
    }
    try {
      client
          .pods()
          .inNamespace(namespace)
          .withName(podName)
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              PATCHES.writeValueAsString(Map.of("metadata", metadata)));
      LOG.infof("pod %s/%s: %s", namespace, podName, labels);
      return true;
    } catch (KubernetesClientException | JsonProcessingException e) {
      LOG.errorf("could not label pod %s/%s %s: %s", namespace, podName, labels, e.getMessage());
      return false;
    }
  }
}
