package io.meshfed.operator.support;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Builds the conditions of a status the Kubernetes way: one entry per type, {@code
 * lastTransitionTime} moves only when the status value changes, and every entry carries the
 * generation it was computed from.
 */
public final class Conditions {
  public static final String TRUE = "True";
  public static final String FALSE = "False";
  public static final String UNKNOWN = "Unknown";

  private final List<Condition> previous;
  private final List<Condition> next = new ArrayList<>();
  private final long generation;
  private final Instant now;

  public Conditions(List<Condition> previous, Long generation, Instant now) {
    this.previous = previous == null ? List.of() : previous;
    // conditions not set again this round keep their last value
    this.next.addAll(this.previous);
    this.generation = generation == null ? 0 : generation;
    this.now = now;
  }

  public Conditions set(String type, boolean status, String reason, String message) {
    return set(type, status ? TRUE : FALSE, reason, message);
  }

  public Conditions set(String type, String status, String reason, String message) {
    String since =
        find(previous, type)
            .filter(c -> Objects.equals(c.getStatus(), status))
            .map(Condition::getLastTransitionTime)
            .orElseGet(() -> timestamp(now));
    int at = indexOf(type);
    Condition condition =
        new ConditionBuilder()
            .withType(type)
            .withStatus(status)
            .withReason(reason)
            .withMessage(message)
            .withObservedGeneration(generation)
            .withLastTransitionTime(since)
            .build();
    if (at < 0) {
      next.add(condition);
    } else {
      next.set(at, condition);
    }
    return this;
  }

  private int indexOf(String type) {
    for (int i = 0; i < next.size(); i++) {
      if (type.equals(next.get(i).getType())) {
        return i;
      }
    }
    return -1;
  }

  /** The condition of this type as it stands now (set this round or carried over). */
  public Optional<Condition> current(String type) {
    return find(next, type);
  }

  public List<Condition> build() {
    return List.copyOf(next);
  }

  public static Optional<Condition> find(List<Condition> conditions, String type) {
    return conditions == null
        ? Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  public static boolean isTrue(List<Condition> conditions, String type) {
    return find(conditions, type).map(c -> TRUE.equals(c.getStatus())).orElse(false);
  }

  /** RFC 3339 in seconds, the precision of metav1.Time. */
  public static String timestamp(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }
}
