package io.meshfed.operator.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.meshfed.api.v1alpha1.ObservedStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Status is patched with a minimal object (name, namespace and status only, never spec) and only
 * when it differs from what the server has, so a quiet cluster makes no writes.
 */
public final class StatusPatch {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StatusPatch() {}

  /** True when the two statuses serialize to different JSON. */
  public static boolean changed(Object before, Object after) {
    return !Objects.equals(JSON.valueToTree(before), JSON.valueToTree(after));
  }

  /** A fresh object of the same kind that carries only the identity of {@code of} and a status. */
  public static <S, R extends CustomResource<?, S>> R minimal(R of, S status, Supplier<R> factory) {
    R patch = factory.get();
    patch.setMetadata(
        new ObjectMetaBuilder()
            .withName(of.getMetadata().getName())
            .withNamespace(of.getMetadata().getNamespace())
            .build());
    patch.setStatus(status);
    return patch;
  }

  /**
   * The condition an unexpected failure of a reconcile leaves; the next good reconcile drops it.
   */
  public static final String RECONCILED = "Reconciled";

  public static final String RECONCILE_ERROR = "ReconcileError";
  private static final int MESSAGE_LIMIT = 512;
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  /**
   * patchStatus when the status changed, noUpdate otherwise. A reconcile that gets here went well:
   * a {@value #RECONCILED} condition an earlier failure left goes.
   */
  public static <S, R extends CustomResource<?, S>> UpdateControl<R> ifChanged(
      R current, S status, Supplier<R> factory) {
    if (status instanceof ObservedStatus observed
        && observed.getConditions() != null
        && observed.getConditions().stream().anyMatch(c -> RECONCILED.equals(c.getType()))) {
      List<Condition> kept = new ArrayList<>(observed.getConditions());
      kept.removeIf(c -> RECONCILED.equals(c.getType()));
      observed.setConditions(kept);
    }
    if (!changed(current.getStatus(), status)) {
      return UpdateControl.noUpdate();
    }
    return UpdateControl.patchStatus(minimal(current, status, factory))
        .rescheduleAfter(LOOK_AGAIN_AFTER_OWN_WRITE);
  }

  /**
   * How soon a reconcile that wrote status runs again (decision 0024). JOSDK 5.3.0 holds back a
   * primary's watch events while our status write is in flight and drops one that is older than our
   * write: a deletion or a spec change someone made just before our write landed would wake no one.
   * Our write's answer has that change, and the reconcile after it reads that answer (JOSDK's
   * read-after-write cache), so looking again shortly is enough. Fixed upstream in 5.3.5, which the
   * Maven mirror here does not serve.
   */
  public static final Duration LOOK_AGAIN_AFTER_OWN_WRITE = Duration.ofSeconds(2);

  /**
   * Reschedules {@code control} after {@code after}, unless it already runs sooner (a write's look
   * again, an earlier deadline).
   */
  public static <R extends HasMetadata> UpdateControl<R> recheckAfter(
      UpdateControl<R> control, Duration after) {
    return control
        .getScheduleDelay()
        .filter(sooner -> sooner <= after.toMillis())
        .map(sooner -> control)
        .orElseGet(() -> control.rescheduleAfter(after));
  }

  /**
   * What an unexpected exception leaves: the status as it was, plus {@value #RECONCILED}=False with
   * the exception's class and message, so the object says why it is stuck instead of showing stale
   * status. The reconcile is retried as usual.
   */
  public static <S extends ObservedStatus, R extends CustomResource<?, S>>
      ErrorStatusUpdateControl<R> failed(
          R current, Supplier<S> emptyStatus, Supplier<R> factory, Exception e, Instant now) {
    S status =
        current.getStatus() == null ? emptyStatus.get() : SERIALIZATION.clone(current.getStatus());
    Conditions conditions =
        new Conditions(status.getConditions(), current.getMetadata().getGeneration(), now);
    conditions.set(RECONCILED, false, RECONCILE_ERROR, describe(e));
    status.setConditions(conditions.build());
    if (!changed(current.getStatus(), status)) {
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    return ErrorStatusUpdateControl.patchStatus(minimal(current, status, factory));
  }

  /** The root cause's class and message, short enough for a condition. */
  static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message =
        root.getClass().getSimpleName()
            + (root.getMessage() == null ? "" : ": " + root.getMessage());
    return message.length() <= MESSAGE_LIMIT
        ? message
        : message.substring(0, MESSAGE_LIMIT - 1) + "…";
  }
}
