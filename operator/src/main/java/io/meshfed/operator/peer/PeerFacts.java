package io.meshfed.operator.peer;

import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.operator.agentapi.Health;
import io.meshfed.operator.ipam.SubnetAllocator;
import io.meshfed.operator.join.AgentSecrets;
import io.meshfed.operator.netmap.PeerPaths;
import io.meshfed.provider.spi.Machine;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Everything {@link PeerLifecycle#decide} looks at, gathered by the reconciler: the Peer as stored,
 * its cluster, what its agent said, and the outcomes of the actions this reconcile has already
 * taken. An outcome is {@code null} until its action ran: the lifecycle asks for it by returning
 * that action, the reconciler performs it and decides again with the answer.
 *
 * @param observed what the caches say: the Peer as the API server has it (spec, metadata, status),
 *     its MeshCluster if it exists, the name of the provider that serves {@code spec.provider}
 *     (empty when this operator has none) and the providers it has, when this operator process
 *     started (heartbeats missed while no operator ran are not the agent's fault), what the agent
 *     said when it joined, its last heartbeat (from memory or its Lease), what its last report said
 *     of its tunnels, and its paths to the other peers (relayed, unreachable)
 * @param outcomes the answers to this reconcile's actions: the subnet allocation ({@link
 *     PeerPlan.TakeSubnet}), whether the provider's credentials can be read ({@link
 *     PeerPlan.CheckAccess}), the provider's answer to ensuring the machine ({@link
 *     PeerPlan.EnsureMachine}) and to deleting it ({@link PeerPlan.DeleteMachine}), whether the
 *     subnet was released ({@link PeerPlan.ReleaseSubnet})
 */
public record PeerFacts(Observed observed, Outcomes outcomes) {

  /** What the caches say, before any action. */
  public record Observed(
      Peer peer,
      Optional<MeshCluster> cluster,
      Optional<String> provider,
      List<String> installedProviders,
      Instant operatorStarted,
      Optional<AgentSecrets.Membership> membership,
      Optional<Instant> lastHeartbeat,
      Optional<Health> dataPlane,
      PeerPaths paths) {}

  /** The answers to this reconcile's actions so far; null where the action has not run. */
  public record Outcomes(
      SubnetAllocator.Result address,
      Access access,
      EnsureOutcome ensured,
      DeleteOutcome deleted,
      Boolean released) {
    static final Outcomes NONE = new Outcomes(null, null, null, null, null);
  }

  /** Facts before any action ran. */
  public static PeerFacts observed(
      Peer peer,
      Optional<MeshCluster> cluster,
      Optional<String> provider,
      List<String> installedProviders,
      Instant operatorStarted,
      Optional<AgentSecrets.Membership> membership,
      Optional<Instant> lastHeartbeat,
      Optional<Health> dataPlane,
      PeerPaths paths) {
    return new PeerFacts(
        new Observed(
            peer,
            cluster,
            provider,
            installedProviders,
            operatorStarted,
            membership,
            lastHeartbeat,
            dataPlane,
            paths),
        Outcomes.NONE);
  }

  public PeerFacts withAddress(SubnetAllocator.Result value) {
    Outcomes o = outcomes;
    return new PeerFacts(
        observed, new Outcomes(value, o.access(), o.ensured(), o.deleted(), o.released()));
  }

  public PeerFacts withAccess(Access value) {
    Outcomes o = outcomes;
    return new PeerFacts(
        observed, new Outcomes(o.address(), value, o.ensured(), o.deleted(), o.released()));
  }

  public PeerFacts withEnsured(EnsureOutcome value) {
    Outcomes o = outcomes;
    return new PeerFacts(
        observed, new Outcomes(o.address(), o.access(), value, o.deleted(), o.released()));
  }

  public PeerFacts withDeleted(DeleteOutcome value) {
    Outcomes o = outcomes;
    return new PeerFacts(
        observed, new Outcomes(o.address(), o.access(), o.ensured(), value, o.released()));
  }

  public PeerFacts withReleased(boolean value) {
    Outcomes o = outcomes;
    return new PeerFacts(
        observed, new Outcomes(o.address(), o.access(), o.ensured(), o.deleted(), value));
  }

  // the facts by name, as the lifecycle reads them

  public Peer peer() {
    return observed.peer();
  }

  public Optional<MeshCluster> cluster() {
    return observed.cluster();
  }

  public Optional<String> provider() {
    return observed.provider();
  }

  public List<String> installedProviders() {
    return observed.installedProviders();
  }

  public Instant operatorStarted() {
    return observed.operatorStarted();
  }

  public Optional<AgentSecrets.Membership> membership() {
    return observed.membership();
  }

  public Optional<Instant> lastHeartbeat() {
    return observed.lastHeartbeat();
  }

  public Optional<Health> dataPlane() {
    return observed.dataPlane();
  }

  public PeerPaths paths() {
    return observed.paths();
  }

  public SubnetAllocator.Result address() {
    return outcomes.address();
  }

  public Access access() {
    return outcomes.access();
  }

  public EnsureOutcome ensured() {
    return outcomes.ensured();
  }

  public DeleteOutcome deleted() {
    return outcomes.deleted();
  }

  public Boolean released() {
    return outcomes.released();
  }

  /** Whether the provider's credentials could be read: empty when they could. */
  public record Access(Optional<String> missingCredentials) {
    public static Access granted() {
      return new Access(Optional.empty());
    }

    public static Access missing(String why) {
      return new Access(Optional.of(why));
    }
  }

  /** What ensuring the machine came to. */
  public sealed interface EnsureOutcome permits Ensured, ProviderFailed, NoCredentials {}

  /** What deleting the machine came to. */
  public sealed interface DeleteOutcome permits Gone, StillThere, ProviderFailed, NoCredentials {}

  /** The machine exists, in the state the provider says. */
  public record Ensured(Machine machine) implements EnsureOutcome {}

  /** The provider says the machine is gone (or never was). */
  public record Gone() implements DeleteOutcome {}

  /** Deleting was asked; the machine is not gone yet. */
  public record StillThere(Machine machine) implements DeleteOutcome {}

  /** The provider refused or failed; {@code retryable} says whether trying again may help. */
  public record ProviderFailed(String reason, String message, boolean retryable)
      implements EnsureOutcome, DeleteOutcome {}

  /** The credentials Secret the cluster names does not exist (any more). */
  public record NoCredentials(String message) implements EnsureOutcome, DeleteOutcome {}
}
