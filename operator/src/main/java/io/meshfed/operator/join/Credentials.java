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
    boolean valid =
        memberships
                .secret(token.namespace(), token.name())
                .filter(s -> matches(s, token))
                .isPresent()
            || memberships
                .recentlyWritten(token.namespace(), token.name())
                .filter(s -> matches(s, token))
                .isPresent();
    if (!valid) {
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
    return peer.filter(p -> !p.isMarkedForDeletion())
        .orElseThrow(
            () ->
                AgentApiException.unauthorized(
                    "CredentialRevoked",
                    "peer "
                        + token.namespace()
                        + "/"
                        + token.name()
                        + " is deleted or being deleted"));
  }

  private static boolean matches(Secret secret, Tokens token) {
    return AgentSecrets.membership(secret)
        .map(m -> AgentSecrets.sameSecret(m.credentialHash(), AgentSecrets.sha256(token.secret())))
        .orElse(false);
  }
}
