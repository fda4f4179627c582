package io.meshfed.operator.join;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.meshfed.api.agent.KeyRotation;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.operator.server.AgentApiException;
import io.meshfed.operator.support.Conditions;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.regex.Pattern;
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
  private static final Pattern KEY = Pattern.compile(Validation.KEY_PATTERN);
  private static final Pattern NOT_BLANK = Pattern.compile(Validation.NOT_BLANK_PATTERN);
  private static final Pattern SECRET = Pattern.compile(Validation.CREDENTIAL_SECRET_PATTERN);

  private final KubernetesClient client;
  private final JoinChallenges challenges;
  private final Memberships memberships;
  private final Clock clock;

  public KeyRotations(
      KubernetesClient client, JoinChallenges challenges, Memberships memberships, Clock clock) {
    this.client = client;
    this.challenges = challenges;
    this.memberships = memberships;
    this.clock = clock;
  }

  /** Rotates the key of {@code peer}, authenticated by {@code credential}. */
  public KeyRotation.Accepted rotate(Peer peer, String credential, KeyRotation rotation) {
    if (rotation == null) {
      throw AgentApiException.badField("", "the body must be a JSON object");
    }
    if (rotation.request() == null || !NOT_BLANK.matcher(rotation.request()).find()) {
      throw AgentApiException.badField("request", "request is required: the rotation answered");
    }
    if (rotation.publicKey() == null || !KEY.matcher(rotation.publicKey()).matches()) {
      throw AgentApiException.badField(
          "publicKey", "publicKey must be a WireGuard public key: 32 bytes, base64");
    }
    if (rotation.credential() != null && !SECRET.matcher(rotation.credential()).matches()) {
      throw AgentApiException.badField(
          "credential",
          "credential must be 64 lower-case hex digits (the next credential's secret)");
    }
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
    desired.getMetadata().setResourceVersion(secret.getMetadata().getResourceVersion());
    try {
      memberships.remember(
          client
              .resource(desired)
              .fieldManager("meshfed-agent-api")
              .forceConflicts()
              .serverSideApply());
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        throw AgentApiException.conflict(
            "MembershipChanged", "the membership changed while rotating; try again");
      }
      throw e;
    }
    LOG.infof(
        "peer %s/%s rotated its WireGuard key (request %s)", namespace, name, rotation.request());
    return new KeyRotation.Accepted(rotation.request(), rotation.publicKey());
  }
}
