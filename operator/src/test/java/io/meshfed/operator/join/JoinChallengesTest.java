package io.meshfed.operator.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.api.agent.AgentFacts;
import io.meshfed.api.agent.JoinChallenge;
import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.KeyProof;
import io.meshfed.operator.server.AgentApiException;
import io.meshfed.operator.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every replica serves joins (decision 0026): a challenge one replica hands out, another checks,
 * because both derive the key from what they share; an operator with another key refuses it.
 */
class JoinChallengesTest {
  private final ManualClock clock = new ManualClock(Instant.parse("2026-12-06T08:00:00Z"));

  @Test
  void aChallengeOneReplicaIssuedIsAnsweredAtAnotherAndNowhereElse() {
    byte[] shared = "the serving key's hash".getBytes(StandardCharsets.UTF_8);
    JoinChallenges standby = new JoinChallenges(clock, () -> shared);
    JoinChallenges leader = new JoinChallenges(clock, () -> shared.clone());
    JoinChallenges stranger =
        new JoinChallenges(clock, () -> "another key".getBytes(StandardCharsets.UTF_8));

    String privateKey = KeyProof.newPrivateKey();
    JoinChallenge challenge = standby.issue();
    JoinRequest proven = request(privateKey).proven(challenge, privateKey);

    leader.check(proven); // no exception: accepted
    standby.check(proven);
    assertThatThrownBy(() -> stranger.check(proven))
        .isInstanceOfSatisfying(
            AgentApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(401);
              assertThat(e.error().reason()).isEqualTo("ProofInvalid");
            });

    clock.advance(JoinChallenges.LIFETIME);
    assertThatThrownBy(() -> leader.check(proven))
        .isInstanceOfSatisfying(
            AgentApiException.class,
            e -> assertThat(e.error().reason()).isEqualTo("ChallengeExpired"));
  }

  private static JoinRequest request(String privateKey) {
    return new JoinRequest(
        "token",
        "host",
        KeyProof.publicKeyOf(privateKey),
        List.of("198.18.0.9:51820"),
        new AgentFacts(2, 4L << 30, "linux", "amd64", "test", "host"));
  }
}
