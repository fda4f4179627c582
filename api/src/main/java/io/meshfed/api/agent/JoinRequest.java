package io.meshfed.api.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * {@code POST /api/v1/join}.
 *
 * @param token a cluster join token ({@code mfj:…}) or a peer's one-time bootstrap token ({@code
 *     mfb:…})
 * @param name the Peer to become; with a cluster token, defaults to the host name
 * @param publicKey the agent's WireGuard public key, base64 (the private key never leaves the peer)
 * @param endpoints candidate {@code ip:port} endpoints other peers may reach WireGuard at
 * @param facts the machine's facts
 * @param challenge the challenge this join answers ({@code POST /api/v1/join/challenge})
 * @param proof the {@link KeyProof} that the agent holds the private key of {@code publicKey}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JoinRequest(
    String token,
    String name,
    String publicKey,
    List<String> endpoints,
    AgentFacts facts,
    String challenge,
    String proof) {

  /** A request yet to be proven ({@link #proven}). */
  public JoinRequest(
      String token, String name, String publicKey, List<String> endpoints, AgentFacts facts) {
    this(token, name, publicKey, endpoints, facts, null, null);
  }

  /** This request, answering the challenge with the private key of its public key. */
  public JoinRequest proven(JoinChallenge answered, String privateKey) {
    JoinRequest request =
        new JoinRequest(token, name, publicKey, endpoints, facts, answered.challenge(), null);
    return new JoinRequest(
        token,
        name,
        publicKey,
        endpoints,
        facts,
        answered.challenge(),
        KeyProof.prove(privateKey, answered, request));
  }
}
