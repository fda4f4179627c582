package io.meshfed.operator.server;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a rotation of the agent API's self-made CA does next: pure, from the CA Secret's state, the
 * peers that still do not trust the next CA, and the time.
 *
 * <p>Two steps, like kubeadm's and Linkerd's trust-anchor rotations: <b>introduce</b> a next CA,
 * which agents learn as part of their trust bundle while the old CA still signs; <b>promote</b> it
 * once every peer that reports trusts it (and the minimum overlap passed), or after the maximum
 * overlap whatever the stragglers say. The old CA is then dropped from the bundle.
 */
public final class CaRotationPlan {
  private CaRotationPlan() {}

  /**
   * @param signingNotAfter the end of the CA that signs now
   * @param requested whether someone asked for a rotation (the Secret's annotation)
   * @param nextSince when the next CA was made; empty when none is announced
   */
  public record State(Instant signingNotAfter, boolean requested, Optional<Instant> nextSince) {}

  /**
   * @param renewBefore a CA this close to its end is replaced unasked
   * @param minOverlap the next CA is announced at least this long before it signs
   * @param maxOverlap after this long it signs whatever the stragglers say
   */
  public record Settings(Duration renewBefore, Duration minOverlap, Duration maxOverlap) {}

  public enum Action {
    NONE,
    INTRODUCE,
    PROMOTE
  }

  /** The next action and why, in words a condition or event can carry. */
  public record Step(Action action, String reason) {}

  /**
   * @param untrusting peers ({@code namespace/name}) that report and do not trust the next CA yet,
   *     sorted
   */
  public static Step next(State state, List<String> untrusting, Instant now, Settings settings) {
    if (state.nextSince().isEmpty()) {
      if (state.requested()) {
        return new Step(Action.INTRODUCE, "a rotation was requested");
      }
      if (!now.plus(settings.renewBefore()).isBefore(state.signingNotAfter())) {
        return new Step(Action.INTRODUCE, "the CA ends at " + state.signingNotAfter());
      }
      return new Step(Action.NONE, "no rotation under way");
    }
    Duration announced = Duration.between(state.nextSince().get(), now);
    if (announced.compareTo(settings.maxOverlap()) >= 0) {
      return new Step(
          Action.PROMOTE,
          untrusting.isEmpty()
              ? "every reporting peer trusts the next CA"
              : "announced "
                  + settings.maxOverlap()
                  + " ago; "
                  + untrusting.size()
                  + " peers never confirmed it and must join again: "
                  + sample(untrusting));
    }
    if (!untrusting.isEmpty()) {
      return new Step(
          Action.NONE,
          "waiting for "
              + untrusting.size()
              + " peers to trust the next CA: "
              + sample(untrusting));
    }
    if (announced.compareTo(settings.minOverlap()) < 0) {
      return new Step(
          Action.NONE,
          "every reporting peer trusts the next CA; it signs after the minimum overlap of "
              + settings.minOverlap());
    }
    return new Step(Action.PROMOTE, "every reporting peer trusts the next CA");
  }

  private static String sample(List<String> peers) {
    return peers.size() <= 5
        ? String.join(", ", peers)
        : String.join(", ", peers.subList(0, 5)) + " and " + (peers.size() - 5) + " more";
  }
}
