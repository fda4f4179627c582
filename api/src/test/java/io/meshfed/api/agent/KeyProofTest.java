package io.meshfed.api.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyProofTest {
  static final HexFormat HEX = HexFormat.of();

  static String b64(String hex) {
    return Base64.getEncoder().encodeToString(HEX.parseHex(hex));
  }

  @Test
  void publicKeysAreRfc7748s() {
    // RFC 7748 section 6.1: Alice's and Bob's keys
    assertThat(
            KeyProof.publicKeyOf(
                b64("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")))
        .isEqualTo(b64("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
    assertThat(
            KeyProof.publicKeyOf(
                b64("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")))
        .isEqualTo(b64("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"));
  }

  @Test
  void onlyTheHolderOfThePrivateKeyProvesIt() {
    String agent = KeyProof.newPrivateKey();
    String other = KeyProof.newPrivateKey();
    byte[] ephemeral = Base64.getDecoder().decode(KeyProof.newPrivateKey());
    JoinChallenge challenge =
        new JoinChallenge("c-1", KeyProof.publicKeyOf(ephemeral), "2026-12-04T12:01:00Z");
    JoinRequest request =
        new JoinRequest(
            "mfj:ns:mesh:secret", "host-a", KeyProof.publicKeyOf(agent), List.of(), null);

    assertThat(KeyProof.verify(ephemeral, request.proven(challenge, agent))).isTrue();
    assertThat(KeyProof.verify(ephemeral, request)).as("no proof").isFalse();
    assertThat(KeyProof.verify(ephemeral, request.proven(challenge, other)))
        .as("someone else's key claiming the agent's public key")
        .isFalse();

    // a proof is good for its request only
    JoinRequest proven = request.proven(challenge, agent);
    JoinRequest renamed =
        new JoinRequest(
            proven.token(),
            "host-b",
            proven.publicKey(),
            proven.endpoints(),
            proven.facts(),
            proven.challenge(),
            proven.proof());
    JoinRequest otherToken =
        new JoinRequest(
            "mfj:ns:mesh:other",
            proven.name(),
            proven.publicKey(),
            proven.endpoints(),
            proven.facts(),
            proven.challenge(),
            proven.proof());
    JoinRequest otherChallenge =
        new JoinRequest(
            proven.token(),
            proven.name(),
            proven.publicKey(),
            proven.endpoints(),
            proven.facts(),
            "c-2",
            proven.proof());
    assertThat(KeyProof.verify(ephemeral, renamed)).isFalse();
    assertThat(KeyProof.verify(ephemeral, otherToken)).isFalse();
    assertThat(KeyProof.verify(ephemeral, otherChallenge)).isFalse();
  }

  @Test
  void aLowOrderPointIsNotAKey() {
    String agent = KeyProof.newPrivateKey();
    JoinChallenge zero = new JoinChallenge("c", b64("00".repeat(32)), "2026-12-04T12:01:00Z");
    JoinRequest request = new JoinRequest("t", "h", KeyProof.publicKeyOf(agent), List.of(), null);
    assertThatThrownBy(() -> request.proven(zero, agent))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("not a usable X25519 key");
  }
}
