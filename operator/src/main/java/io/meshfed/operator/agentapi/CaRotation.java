package io.meshfed.operator.agentapi;

import io.fabric8.kubernetes.api.model.Secret;
import io.meshfed.operator.config.AgentApiRouting;
import io.meshfed.operator.config.MeshfedConfig;
import io.meshfed.operator.server.AgentApiTls;
import io.meshfed.operator.server.CaRotationPlan;
import io.meshfed.operator.support.DaemonThreads;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Carries out {@link CaRotationPlan} for the self-made CA, on the replica agents talk to (only it
 * hears which CAs they trust). Checks every {@code check-interval}: cheap when nothing is under way
 * (one look at a watched Secret).
 */
@Singleton
public class CaRotation {
  private static final Logger LOG = Logger.getLogger(CaRotation.class);

  private final AgentApiTls tls;
  private final AgentReports reports;
  private final AgentApiRouting routing;
  private final MeshfedConfig config;
  private final Clock clock;
  private final ScheduledExecutorService checks =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("agent-api-ca-rotation"));
  private volatile String lastReason = "";

  public CaRotation(
      @Identifier("agent-api") AgentApiTls tls,
      AgentReports reports,
      AgentApiRouting routing,
      MeshfedConfig config,
      Clock clock) {
    this.tls = tls;
    this.reports = reports;
    this.routing = routing;
    this.config = config;
    this.clock = clock;
  }

  void start(@Observes StartupEvent start) {
    if (!tls.selfManaged()) {
      return; // the user's Secret: whoever issues it rotates it; agents follow its ca.crt bundle
    }
    long every = config.agentApi().tls().caRotation().checkInterval().toMillis();
    checks.scheduleWithFixedDelay(this::check, every, every, TimeUnit.MILLISECONDS);
  }

  void stop(@Observes ShutdownEvent stop) {
    checks.shutdownNow();
  }

  private void check() {
    try {
      if (routing.holdsReports()) {
        advance(clock.instant());
      }
    } catch (RuntimeException e) {
      LOG.errorf(e, "agent API CA rotation: trying again in a moment");
    }
  }

  /** One step of the plan, if one is due. */
  void advance(Instant now) {
    Optional<Secret> secret = tls.caSecret();
    if (secret.isEmpty()) {
      return;
    }
    var settings = config.agentApi().tls().caRotation();
    CaRotationPlan.Step step =
        CaRotationPlan.next(
            AgentApiTls.rotationState(secret.get(), now),
            untrusting(secret.get(), now),
            now,
            new CaRotationPlan.Settings(
                settings.renewBefore(), settings.minOverlap(), settings.maxOverlap()));
    if (!step.reason().equals(lastReason)) {
      LOG.infof("agent API CA: %s", step.reason());
      lastReason = step.reason();
    }
    switch (step.action()) {
      case INTRODUCE -> tls.introduceNextCa(now);
      case PROMOTE -> tls.promoteNextCa();
      case NONE -> {}
    }
  }

  /** Peers alive now (a report within the heartbeat grace) that do not trust the next CA yet. */
  private List<String> untrusting(Secret secret, Instant now) {
    return AgentApiTls.nextCaHash(secret)
        .map(pin -> reports.notTrusting(pin, now.minus(reports.heartbeatGrace())))
        .orElse(List.of());
  }
}
