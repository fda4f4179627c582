package io.meshfed.api.agent;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@code POST /api/v1/rotate-key}: a joined agent replaces its WireGuard key, proving it holds the
 * new one as a join does ({@link KeyProof}, over a challenge from {@code POST
 * /api/v1/join/challenge}). The proof is bound to the peer's credential, so it is good for this
 * peer's rotation only.
 *
 * @param peer the Peer rotating its key
 * @param request the rotation asked for (the id in {@link SelfConfig#rotateKey()})
 * @param publicKey the new WireGuard public key, base64
 * @param challenge the challenge the proof answers
 * @param proof the proof of the new key
 * @param credential the secret part of the peer's next credential, 64 hex digits, made on the peer:
 *     valid beside the current one until the agent first uses it, then the only one (null keeps the
 *     credential)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record KeyRotation(
    String peer,
    String request,
    String publicKey,
    String challenge,
    String proof,
    String credential) {

  /** A rotation proven with the new private key, for the peer holding {@code credential}. */
  public static KeyRotation proven(
      String peer,
      String request,
      String credential,
      JoinChallenge challenge,
      String newPrivateKey,
      String nextCredential) {
    String publicKey = KeyProof.publicKeyOf(newPrivateKey);
    JoinRequest bound =
        new JoinRequest(credential, peer, publicKey, null, null, challenge.challenge(), null);
    return new KeyRotation(
        peer,
        request,
        publicKey,
        challenge.challenge(),
        KeyProof.prove(newPrivateKey, challenge, bound),
        nextCredential);
  }

  /** What the proof was made over, for the operator to verify with the credential it was sent. */
  public JoinRequest asProofOf(String credential) {
    return new JoinRequest(credential, peer, publicKey, null, null, challenge, proof);
  }

  /** What the operator answers: the key it now holds for the peer. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Accepted(String request, String publicKey) {}
}
