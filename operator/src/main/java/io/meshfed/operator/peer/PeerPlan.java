package io.meshfed.operator.peer;

import io.meshfed.api.v1alpha1.PeerStatus;
import java.time.Duration;
import java.util.Optional;

/**
 * What {@link PeerLifecycle#decide} decided: the status the Peer should show, the next action (or
 * none), and when to look again if nothing else wakes the reconciler.
 *
 * <p>An action other than {@link Wait} and {@link Finish} needs its outcome before the decision is
 * final: the reconciler performs it, records the outcome in the facts and decides again. Each
 * action's outcome is asked for at most once per reconcile, so that loop ends.
 */
public record PeerPlan(PeerStatus status, Action action, Optional<Duration> recheckAfter) {

  /** The next thing to do. */
  public sealed interface Action
      permits Wait, TakeSubnet, CheckAccess, EnsureMachine, DeleteMachine, ReleaseSubnet, Finish {}

  /** Nothing to do now: write the status, look again after {@code recheckAfter} (if any). */
  public record Wait() implements Action {}

  /** Give the peer its subnet (or read the one it holds). */
  public record TakeSubnet() implements Action {}

  /** Read the provider's credentials to see whether they are there. */
  public record CheckAccess() implements Action {}

  /**
   * Ensure machine number {@code attempt} exists. Only ever asked for an attempt that is already
   * recorded in the stored status: the attempt is the cloud's idempotency key.
   */
  public record EnsureMachine(int attempt) implements Action {}

  /** Delete machine number {@code attempt} and say whether it is gone. */
  public record DeleteMachine(int attempt) implements Action {}

  /** Release the peer's subnet (its machine is gone). */
  public record ReleaseSubnet() implements Action {}

  /** Teardown is complete: revoke the agent's credentials and let the Peer go. */
  public record Finish() implements Action {}

  public boolean isFinal() {
    return action instanceof Wait || action instanceof Finish;
  }
}
