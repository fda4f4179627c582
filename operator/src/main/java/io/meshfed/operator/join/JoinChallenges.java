package io.meshfed.operator.join;

import io.meshfed.api.agent.JoinChallenge;
import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.KeyProof;
import io.meshfed.operator.server.AgentApiException;
import io.meshfed.operator.server.AgentApiTls;
import io.smallrye.common.annotation.Identifier;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The challenges a join answers to prove it holds its WireGuard key ({@link KeyProof}). Stateless:
 * a challenge is its issue time and a nonce; its ephemeral private key is an HMAC of the challenge
 * under a secret every replica shares ({@link AgentApiTls#replicaSecret}), so handing out
 * challenges costs no memory and no API server read (the path is unauthenticated), and one replica
 * checks what another handed out (every replica serves joins, decision 0026). A challenge lives
 * {@link #LIFETIME}; after the serving certificate is renewed, older ones are refused and the agent
 * asks again.
 */
@Singleton
public class JoinChallenges {
  static final Duration LIFETIME = Duration.ofSeconds(60);

  private final Clock clock;
  private final Supplier<byte[]> sharedKey;
  private final SecureRandom random = new SecureRandom();

  @Inject
  public JoinChallenges(Clock clock, @Identifier("agent-api") AgentApiTls tls) {
    this(clock, tls::replicaSecret);
  }

  /** With the HMAC key {@code sharedKey} gives (tests). */
  public JoinChallenges(Clock clock, Supplier<byte[]> sharedKey) {
    this.clock = clock;
    this.sharedKey = sharedKey;
  }

  public JoinChallenge issue() {
    Instant now = clock.instant();
    byte[] nonce = new byte[16];
    random.nextBytes(nonce);
    String challenge =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(
                ByteBuffer.allocate(24).putLong(now.getEpochSecond()).put(nonce).array());
    return new JoinChallenge(
        challenge, KeyProof.publicKeyOf(ephemeralKey(challenge)), now.plus(LIFETIME).toString());
  }

  /** Refuses the join unless it answers a live challenge of this process with a valid proof. */
  public void check(JoinRequest request) {
    if (request.challenge() == null || request.proof() == null) {
      throw AgentApiException.unauthorized(
          "ProofRequired",
          "a join must prove it holds the private key of its public key: POST /api/v1/join/challenge,"
              + " then join with the challenge and the proof (meshfed agents 0.2 and later do)");
    }
    Instant issued = issuedAt(request.challenge());
    Instant now = clock.instant();
    if (issued == null || issued.isAfter(now.plusSeconds(5))) {
      throw AgentApiException.unauthorized(
          "ChallengeInvalid", "the challenge was not issued by this operator; ask for a new one");
    }
    if (!issued.plus(LIFETIME).isAfter(now)) {
      throw AgentApiException.unauthorized(
          "ChallengeExpired",
          "the challenge expired (they live " + LIFETIME.toSeconds() + "s); ask for a new one");
    }
    boolean proven;
    try {
      proven = KeyProof.verify(ephemeralKey(request.challenge()), request);
    } catch (IllegalArgumentException e) {
      proven = false; // a low-order point claimed as a key
    }
    if (!proven) {
      throw AgentApiException.unauthorized(
          "ProofInvalid",
          "the proof does not show possession of the private key of the public key the join claims");
    }
  }

  private static Instant issuedAt(String challenge) {
    try {
      byte[] raw = Base64.getUrlDecoder().decode(challenge);
      return raw.length == 24 ? Instant.ofEpochSecond(ByteBuffer.wrap(raw).getLong()) : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private byte[] ephemeralKey(String challenge) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(sharedKey.get(), "HmacSHA256"));
      return mac.doFinal(("join challenge\n" + challenge).getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks HMAC-SHA256", e);
    }
  }
}
