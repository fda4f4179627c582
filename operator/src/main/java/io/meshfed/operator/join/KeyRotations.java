package io.meshfed.operator.join;

import io.fabric8.kubernetes.api.model.Secret;
import io.meshfed.api.agent.KeyRotation;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.operator.server.AgentApiException;
import io.meshfed.operator.support.Conditions;
import jakarta.inject.Singleton;
import java.time.Clock;
import org.jboss.logging.Logger;

/**
 * {@code POST /api/v1/rotate-key}: a joined agent replaces its WireGuard key. The agent proves the
 * new key as a join does, bound to its credential; the key must be nobody else's. The membership
 * Secret then holds the new key, the Peer's status follows, and every map carries it. The write is
 * conditional on the membership read, so a rotation and a status report never undo each other.
 */
@Singleton
public class KeyRotations {
  private static final Logger LOG = Logger.getLogger(KeyRotations.class);

  private final JoinChallenges challenges;
  private final Memberships memberships;
  private final Clock clock;

  public KeyRotations(JoinChallenges challenges, Memberships memberships, Clock clock) {
    this.challenges = challenges;
    this.memberships = memberships;
    this.clock = clock;
  }

  /** Rotates the key of {@code peer}, authenticated by {@code credential}. */
  public KeyRotation.Accepted rotate(Peer peer, String credential, KeyRotation rotation) {
    Validation.rotation(rotation);
    String namespace = peer.getMetadata().getNamespace();
    String name = peer.getMetadata().getName();
    challenges.check(rotation.asProofOf(credential)); // only the new key's holder gets further
    Secret secret =
        memberships
            .secret(namespace, name)
            .or(() -> memberships.recentlyWritten(namespace, name))
            .orElseThrow(
                () ->
                    AgentApiException.unavailable(
                        "MembershipNotSeenYet", "the join is not in this operator's view yet"));
    AgentSecrets.Membership known =
        AgentSecrets.membership(secret)
            .orElseThrow(() -> new IllegalStateException("membership Secret without membership"));
    if (rotation.publicKey().equals(known.publicKey())) {
      // a retry of a rotation already taken (its answer was lost): the same answer
      return new KeyRotation.Accepted(
          known.rotatedFor() == null ? rotation.request() : known.rotatedFor(), known.publicKey());
    }
    String cluster = peer.getSpec().getClusterRef().getName();
    String holder = memberships.holderOf(namespace, cluster, rotation.publicKey()).orElse(null);
    if (holder != null && !holder.equals(name)) {
      throw AgentApiException.conflict(
          "PublicKeyTaken",
          "another peer of cluster " + cluster + " has this WireGuard public key");
    }
    Secret desired =
        AgentSecrets.agentSecret(
            peer,
            known.rotated(
                rotation.publicKey(),
                rotation.request(),
                Conditions.timestamp(clock.instant()),
                rotation.credential() == null
                    ? known.pendingCredentialHash()
                    : AgentSecrets.sha256(rotation.credential())));
    if (!memberships.writeIfUnchanged(secret, desired)) {
      throw AgentApiException.conflict(
          "MembershipChanged", "the membership changed while rotating; try again");
    }
    LOG.infof(
        "peer %s/%s rotated its WireGuard key (request %s)", namespace, name, rotation.request());
    return new KeyRotation.Accepted(rotation.request(), rotation.publicKey());
  }
}
