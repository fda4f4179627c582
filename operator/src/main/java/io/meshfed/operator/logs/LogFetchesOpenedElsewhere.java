package io.meshfed.operator.logs;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.meshfed.api.agent.LogFetch;
import io.meshfed.api.v1alpha1.LogRequest;
import io.meshfed.api.v1alpha1.LogRequestSpec;
import io.meshfed.api.v1alpha1.LogRequestStatus;
import io.meshfed.operator.config.AgentApiRouting;
import io.meshfed.operator.config.MeshfedConfig;
import io.meshfed.operator.config.WatchedNamespaces;
import io.meshfed.operator.support.LeanItemStore;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Every replica serving agents (decision 0026): a reader's request goes to the leader, which opens
 * the stream, but the agent's long poll may sit on a standby. The leader writes the stream's name
 * into the LogRequest's status; a standby watching LogRequests hands the fetch to a poll of the
 * agent waiting on it ({@link LogStreams#offerOpenedElsewhere}). The agent's chunks come back
 * through the standby, which passes them on to the leader.
 */
@Singleton
public class LogFetchesOpenedElsewhere {
  private final KubernetesClient client;
  private final WatchedNamespaces namespaces;
  private final AgentApiRouting routing;
  private final LogStreams streams;
  private final Duration fresh;
  private final Clock clock;
  private SharedIndexInformer<LogRequest> requests;

  public LogFetchesOpenedElsewhere(
      KubernetesClient client,
      WatchedNamespaces namespaces,
      AgentApiRouting routing,
      LogStreams streams,
      MeshfedConfig config,
      Clock clock) {
    this.client = client;
    this.namespaces = namespaces;
    this.routing = routing;
    this.streams = streams;
    this.fresh = config.agentApi().logs().agentAnswerTimeout();
    this.clock = clock;
  }

  void start(@Observes StartupEvent start) {
    if (!routing.everyReplicaServes()) {
      return; // only the leader serves agents: it hands its fetches on itself
    }
    requests =
        LeanItemStore.start(namespaces.of(client.resources(LogRequest.class)).runnableInformer(0));
    requests.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(LogRequest request) {
            offer(request);
          }

          @Override
          public void onUpdate(LogRequest before, LogRequest after) {
            offer(after);
          }

          @Override
          public void onDelete(LogRequest request, boolean unknownFinalState) {}
        });
  }

  void stop(@Observes ShutdownEvent stop) {
    if (requests != null) {
      requests.close();
    }
  }

  private void offer(LogRequest request) {
    if (routing.holdsReports()) {
      return; // the leader opened it and queued the fetch itself
    }
    fetchOf(request, clock.instant(), fresh)
        .ifPresent(
            fetch ->
                streams.offerOpenedElsewhere(
                    request.getMetadata().getNamespace() + "/" + request.getStatus().getPeer(),
                    fetch));
  }

  /** The fetch a served request asks of its agent, while the reader may still wait for it. */
  static Optional<LogFetch> fetchOf(LogRequest request, Instant now, Duration fresh) {
    LogRequestStatus status = request.getStatus();
    LogRequestSpec spec = request.getSpec();
    if (status == null
        || spec == null
        || status.getStream() == null
        || status.getPeer() == null
        || status.getServedAt() == null
        || Instant.parse(status.getServedAt()).plus(fresh).isBefore(now)) {
      return Optional.empty();
    }
    return Optional.of(
        new LogFetch(
            status.getStream(),
            status.getReplica(),
            spec.getTailLines(),
            Boolean.TRUE.equals(spec.getFollow()),
            Boolean.TRUE.equals(spec.getPrevious())));
  }
}
