package io.meshfed.operator.logs;

import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.meshfed.api.v1alpha1.LogRequest;
import io.meshfed.operator.config.MeshfedConfig;
import io.meshfed.operator.support.LeanItemStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Deletes LogRequests past their retention: {@code kubectl meshfed logs} deletes its own, but a
 * plugin stopped early (or a request made by hand) leaves one behind.
 */
@ControllerConfiguration(name = "logrequest", informer = @Informer(itemStore = LeanItemStore.class))
public class LogRequestReconciler implements Reconciler<LogRequest> {
  private final Duration retention;
  private final Clock clock;

  public LogRequestReconciler(MeshfedConfig config, Clock clock) {
    this.retention = config.agentApi().logs().requestRetention();
    this.clock = clock;
  }

  @Override
  public UpdateControl<LogRequest> reconcile(LogRequest request, Context<LogRequest> context) {
    Duration left = left(request, clock.instant(), retention);
    if (left.isZero()) {
      context.getClient().resource(request).delete();
      return UpdateControl.noUpdate();
    }
    return UpdateControl.<LogRequest>noUpdate().rescheduleAfter(left);
  }

  /** How long the request has left; zero when it is due. */
  static Duration left(LogRequest request, Instant now, Duration retention) {
    Instant due = Instant.parse(request.getMetadata().getCreationTimestamp()).plus(retention);
    return now.isBefore(due) ? Duration.between(now, due) : Duration.ZERO;
  }
}
