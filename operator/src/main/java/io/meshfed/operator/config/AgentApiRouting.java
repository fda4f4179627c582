package io.meshfed.operator.config;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigUtils;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * Agents must reach the leader: their reports and long polls live in the leading replica's memory
 * (decision 0005). The leader labels its pod {@value #LABEL}={@value #SERVING}, and every other pod
 * that still says so (a replica that crashed while leading) {@value #STANDBY}; a replica starting
 * up labels itself {@value #STANDBY}. The chart's agent API Service selects {@value #SERVING}.
 * Without a configured pod (outside Kubernetes, one replica) nothing is labelled.
 */
@Singleton
public class AgentApiRouting {
  public static final String LABEL = "meshfed.io/agent-api";
  public static final String SERVING = "serving";
  public static final String STANDBY = "standby";
  private static final Logger LOG = Logger.getLogger(AgentApiRouting.class);

  private final KubernetesClient client;
  private final Optional<String> pod;
  private final String namespace;
  private volatile boolean leading;
  private final boolean electing;
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
    this.namespace = config.leaderElection().namespace().orElseGet(client::getNamespace);
    this.electing = leaderElectionActive();
  }

  /**
   * Whether agents talk to this replica: the leader's, or the only one where no leader is elected
   * (dev, test, the local quick start). What lives in the agents' reports is known here only.
   */
  public boolean servesAgents() {
    return leading || !electing;
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
      pod.ifPresent(name -> label(name, STANDBY));
    }
  }

  /** The Lease is ours: serve the agent API here, and nowhere else. */
  synchronized void startedLeading() {
    leading = true;
    pod.ifPresent(
        self -> {
          if (!label(self, SERVING)) {
            // agents cannot reach a leader whose pod is not labelled: try again until it is
            retries.schedule(this::startedLeading, 5, TimeUnit.SECONDS);
            return;
          }
          try {
            for (Pod other :
                client.pods().inNamespace(namespace).withLabel(LABEL, SERVING).list().getItems()) {
              if (!other.getMetadata().getName().equals(self)) {
                label(other.getMetadata().getName(), STANDBY);
              }
            }
          } catch (KubernetesClientException e) {
            LOG.errorf(
                "could not list the pods labelled %s=%s in %s: %s",
                LABEL, SERVING, namespace, e.getMessage());
          }
        });
  }

  private boolean label(String podName, String value) {
    try {
      client
          .pods()
          .inNamespace(namespace)
          .withName(podName)
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"metadata\":{\"labels\":{\"" + LABEL + "\":\"" + value + "\"}}}");
      LOG.infof("pod %s/%s: %s=%s", namespace, podName, LABEL, value);
      return true;
    } catch (KubernetesClientException e) {
      LOG.errorf(
          "could not label pod %s/%s %s=%s: %s", namespace, podName, LABEL, value, e.getMessage());
      return false;
    }
  }
}
