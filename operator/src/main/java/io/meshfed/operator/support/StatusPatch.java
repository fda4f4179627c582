package io.meshfed.operator.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
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

  /** patchStatus when the status changed, noUpdate otherwise. */
  public static <S, R extends CustomResource<?, S>> UpdateControl<R> ifChanged(
      R current, S status, Supplier<R> factory) {
    if (!changed(current.getStatus(), status)) {
      return UpdateControl.noUpdate();
    }
    return UpdateControl.patchStatus(minimal(current, status, factory));
  }
}
