package io.meshfed.api.agent;

/**
 * {@code POST /api/v1/join/challenge}: what a join must answer ({@link KeyProof}).
 *
 * @param challenge opaque; sent back in the join with the proof
 * @param publicKey the operator's ephemeral X25519 public key for this challenge, base64
 * @param expiresAt until when a join may answer it (RFC 3339)
 */
public record JoinChallenge(String challenge, String publicKey, String expiresAt) {}
