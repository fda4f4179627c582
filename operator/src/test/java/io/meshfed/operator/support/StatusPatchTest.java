package io.meshfed.operator.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.meshfed.api.v1alpha1.PeerPool;
import io.meshfed.api.v1alpha1.PeerPoolStatus;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Status writes, and when a reconcile that wrote one looks again (decision 0024). */
class StatusPatchTest {
  @Test
  void aWriteLooksAgainSoonAndALaterDeadlineDoesNotPostponeIt() {
    PeerPool pool = new PeerPool();
    pool.setMetadata(new ObjectMetaBuilder().withNamespace("ns").withName("p").build());
    PeerPoolStatus status = new PeerPoolStatus();
    status.setDesiredReplicas(3);

    UpdateControl<PeerPool> written = StatusPatch.ifChanged(pool, status, PeerPool::new);
    assertThat(written.isPatchStatus()).isTrue();
    StatusPatch.recheckAfter(written, Duration.ofMinutes(5));
    assertThat(written.getScheduleDelay())
        .contains(StatusPatch.LOOK_AGAIN_AFTER_OWN_WRITE.toMillis());

    pool.setStatus(status);
    UpdateControl<PeerPool> unchanged = StatusPatch.ifChanged(pool, status, PeerPool::new);
    assertThat(unchanged.isNoUpdate()).isTrue();
    assertThat(unchanged.getScheduleDelay()).as("nothing written: no look again").isEmpty();
    StatusPatch.recheckAfter(unchanged, Duration.ofMinutes(5));
    StatusPatch.recheckAfter(unchanged, Duration.ofSeconds(30));
    assertThat(unchanged.getScheduleDelay()).as("the sooner deadline").contains(30_000L);
  }
}
