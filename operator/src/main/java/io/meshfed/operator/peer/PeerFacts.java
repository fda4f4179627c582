package io.meshfed.operator.peer;

import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.operator.agentapi.Health;
import io.meshfed.operator.ipam.SubnetAllocator;
import io.meshfed.operator.join.AgentSecrets;
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
 * @param peer the Peer as the API server has it (spec, metadata, status)
 * @param cluster its MeshCluster, if it exists
 * @param provider the name of the provider that serves {@code spec.provider}, empty when this
 *     operator has none
 * @param installedProviders the providers this operator has (for the message when one is missing)
 * @param operatorStarted when this operator process started: heartbeats missed while no operator
 *     ran are not the agent's fault
 * @param membership what the agent said when it joined (key, endpoints, facts), if it did
 * @param lastHeartbeat the agent's last report, from memory or its Lease
 * @param dataPlane what the agent's last report said of its tunnels, if this process heard one
 * @param address the subnet allocation ({@link PeerPlan.TakeSubnet})
 * @param access whether the provider's credentials can be read ({@link PeerPlan.CheckAccess})
 * @param ensured the provider's answer to ensuring the machine ({@link PeerPlan.EnsureMachine})
 * @param deleted the provider's answer to deleting the machine ({@link PeerPlan.DeleteMachine})
 * @param released whether the subnet was released ({@link PeerPlan.ReleaseSubnet})
 */
public record PeerFacts(
    Peer peer,
    Optional<MeshCluster> cluster,
    Optional<String> provider,
    List<String> installedProviders,
    Instant operatorStarted,
    Optional<AgentSecrets.Membership> membership,
    Optional<Instant> lastHeartbeat,
    Optional<Health> dataPlane,
    SubnetAllocator.Result address,
    Access access,
    EnsureOutcome ensured,
    DeleteOutcome deleted,
    Boolean released) {

  /** Facts before any action ran. */
  public static PeerFacts observed(
      Peer peer,
      Optional<MeshCluster> cluster,
      Optional<String> provider,
      List<String> installedProviders,
      Instant operatorStarted,
      Optional<AgentSecrets.Membership> membership,
      Optional<Instant> lastHeartbeat,
      Optional<Health> dataPlane) {
    return new PeerFacts(
        peer,
        cluster,
        provider,
        installedProviders,
        operatorStarted,
        membership,
        lastHeartbeat,
        dataPlane,
        null,
        null,
        null,
        null,
        null);
  }

  public PeerFacts withAddress(SubnetAllocator.Result value) {
    return new PeerFacts(
        peer,
        cluster,
        provider,
        installedProviders,
        operatorStarted,
        membership,
        lastHeartbeat,
        dataPlane,
        value,
        access,
        ensured,
        deleted,
        released);
  }

  public PeerFacts withAccess(Access value) {
    return new PeerFacts(
        peer,
        cluster,
        provider,
        installedProviders,
        operatorStarted,
        membership,
        lastHeartbeat,
        dataPlane,
        address,
        value,
        ensured,
        deleted,
        released);
  }

  public PeerFacts withEnsured(EnsureOutcome value) {
    return new PeerFacts(
        peer,
        cluster,
        provider,
        installedProviders,
        operatorStarted,
        membership,
        lastHeartbeat,
        dataPlane,
        address,
        access,
        value,
        deleted,
        released);
  }

  public PeerFacts withDeleted(DeleteOutcome value) {
    return new PeerFacts(
        peer,
        cluster,
        provider,
        installedProviders,
        operatorStarted,
        membership,
        lastHeartbeat,
        dataPlane,
        address,
        access,
        ensured,
        value,
        released);
  }

  public PeerFacts withReleased(boolean value) {
    return new PeerFacts(
        peer,
        cluster,
        provider,
        installedProviders,
        operatorStarted,
        membership,
        lastHeartbeat,
        dataPlane,
        address,
        access,
        ensured,
        deleted,
        value);
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
