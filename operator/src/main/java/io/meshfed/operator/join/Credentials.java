package io.meshfed.operator.join;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.api.agent.Tokens;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.operator.directory.AgentDirectory;
import io.meshfed.operator.server.AgentApiException;
import jakarta.inject.Singleton;
import java.util.Optional;

/**
 * Who a bearer credential is: the peer it was issued to, checked against the hash in its Secret.
 */
@Singleton
public class Credentials {
  private final AgentDirectory directory;
  private final Memberships memberships;
  private final KubernetesClient client;

  public Credentials(AgentDirectory directory, Memberships memberships, KubernetesClient client) {
    this.directory = directory;
    this.memberships = memberships;
    this.client = client;
  }

  /** The peer of this {@code Authorization} header, or a 401/403 that says what is wrong. */
  public Peer authenticate(String authorization, String claimedPeer) {
    if (authorization == null || !authorization.startsWith("Bearer ")) {
      throw AgentApiException.unauthorized(
          "MissingCredential",
          "send the peer credential from the join as 'Authorization: Bearer mfp:…'");
    }
    Tokens token =
        Tokens.parse(authorization.substring(7))
            .filter(t -> t.kind() == Tokens.Kind.PEER)
            .orElseThrow(
                () ->
                    AgentApiException.unauthorized(
                        "InvalidCredential",
                        "not a peer credential (mfp:<namespace>:<peer>:<secret>); join first to get one"));
    if (claimedPeer != null && !claimedPeer.isEmpty() && !claimedPeer.equals(token.name())) {
      throw AgentApiException.forbidden(
          "CredentialScope",
          "the credential of peer " + token.name() + " cannot act for peer " + claimedPeer);
    }
    // the watch cache, or what a join of this process just wrote (the watch may lag it): never an
    // API-server read for a request that is not authenticated yet
    String hash = AgentSecrets.sha256(token.secret());
    Optional<Secret> membership =
        memberships
            .secret(token.namespace(), token.name())
            .filter(s -> matches(s, hash) != Match.NONE)
            .or(
                () ->
                    memberships
                        .recentlyWritten(token.namespace(), token.name())
                        .filter(s -> matches(s, hash) != Match.NONE));
    if (membership.isEmpty()) {
      // the same words whether the peer exists or not
      throw AgentApiException.unauthorized(
          "InvalidCredential",
          "the credential is not valid for peer "
              + token.namespace()
              + "/"
              + token.name()
              + ": revoked (the Peer was deleted) or replaced by a newer join; join again");
    }
    Optional<Peer> peer = directory.peer(token.namespace(), token.name());
    if (peer.isEmpty()) {
      peer =
          Optional.ofNullable(
              client
                  .resources(Peer.class)
                  .inNamespace(token.namespace())
                  .withName(token.name())
                  .get());
    }
    Peer live =
        peer.filter(p -> !p.isMarkedForDeletion())
            .orElseThrow(
                () ->
                    AgentApiException.unauthorized(
                        "CredentialRevoked",
                        "peer "
                            + token.namespace()
                            + "/"
                            + token.name()
                            + " is deleted or being deleted"));
    if (matches(membership.get(), hash) == Match.PENDING) {
      promote(live, membership.get());
    }
    return live;
  }

  /** Which of the membership's credentials a token is: the current one, a pending one, or none. */
  enum Match {
    CURRENT,
    PENDING,
    NONE
  }

  /** The two hashes only: every request authenticates, and the rest of the membership waits. */
  private static Match matches(Secret secret, String hash) {
    if (AgentSecrets.sameSecret(AgentSecrets.read(secret, AgentSecrets.CREDENTIAL_HASH), hash)) {
      return Match.CURRENT;
    }
    return AgentSecrets.sameSecret(
            AgentSecrets.read(secret, AgentSecrets.PENDING_CREDENTIAL_HASH), hash)
        ? Match.PENDING
        : Match.NONE;
  }

  /**
   * The agent uses the credential it sent with a rotation: it has it on disk, so the old one goes.
   * Conditional on the membership read; one that lost a race is promoted by the next request.
   */
  private void promote(Peer peer, Secret secret) {
    memberships.writeIfUnchanged(
        secret,
        AgentSecrets.agentSecret(peer, AgentSecrets.membership(secret).orElseThrow().promoted()));
  }
}
