package io.meshfed.operator.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConditionsTest {
  private static final Instant T0 = Instant.parse("2026-01-01T10:00:00.123Z");
  private static final Instant T1 = Instant.parse("2026-01-01T10:05:00Z");

  @Test
  void lastTransitionTimeMovesOnlyWhenTheStatusChanges() {
    List<Condition> first =
        new Conditions(null, 1L, T0).set("Ready", false, "Waiting", "a").build();
    assertThat(first)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getLastTransitionTime()).isEqualTo("2026-01-01T10:00:00Z");
              assertThat(c.getObservedGeneration()).isEqualTo(1L);
            });

    List<Condition> sameStatus =
        new Conditions(first, 2L, T1).set("Ready", false, "StillWaiting", "b").build();
    assertThat(sameStatus.get(0).getLastTransitionTime()).isEqualTo("2026-01-01T10:00:00Z");
    assertThat(sameStatus.get(0).getReason()).isEqualTo("StillWaiting");
    assertThat(sameStatus.get(0).getObservedGeneration()).isEqualTo(2L);

    List<Condition> flipped =
        new Conditions(sameStatus, 2L, T1).set("Ready", true, "Done", "c").build();
    assertThat(flipped.get(0).getLastTransitionTime()).isEqualTo("2026-01-01T10:05:00Z");
  }

  @Test
  void conditionsNotSetAgainAreKeptInTheirPlace() {
    List<Condition> before =
        new Conditions(null, 1L, T0)
            .set("Provisioned", true, "Done", "m")
            .set("Ready", false, "Waiting", "w")
            .build();
    List<Condition> after = new Conditions(before, 1L, T1).set("Ready", true, "Up", "u").build();
    assertThat(after).extracting(Condition::getType).containsExactly("Provisioned", "Ready");
    assertThat(Conditions.isTrue(after, "Provisioned")).isTrue();
    assertThat(Conditions.isTrue(after, "Ready")).isTrue();
    assertThat(Conditions.isTrue(after, "Missing")).isFalse();
  }

  @Test
  void statusPatchSeesOnlyRealChanges() {
    List<Condition> a = new Conditions(null, 1L, T0).set("Ready", true, "Up", "u").build();
    List<Condition> b = new Conditions(a, 1L, T1).set("Ready", true, "Up", "u").build();
    assertThat(StatusPatch.changed(a, b)).isFalse();
    List<Condition> c = new Conditions(a, 1L, T1).set("Ready", true, "Up", "other message").build();
    assertThat(StatusPatch.changed(a, c)).isTrue();
  }
}
