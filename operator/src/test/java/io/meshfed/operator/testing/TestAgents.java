package io.meshfed.operator.testing;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.agent.CoordinationClient;
import io.meshfed.agent.PinnedTrust;
import io.meshfed.api.agent.AgentFacts;
import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.JoinResponse;
import io.meshfed.api.agent.KeyProof;
import io.meshfed.operator.join.AgentSecrets;
import io.meshfed.operator.join.JoinTokens;
import io.meshfed.operator.server.Certificates;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** What tests that speak the agent API as an agent need. */
public final class TestAgents {
  private TestAgents() {}

  /** The cluster's join token, once the operator has issued it. */
  public static String clusterToken(KubernetesClient client, String namespace, String cluster) {
    var secrets = client.secrets().inNamespace(namespace).withName(JoinTokens.secretName(cluster));
    await().atMost(Duration.ofSeconds(10)).until(() -> secrets.get() != null);
    return AgentSecrets.read(secrets.get(), JoinTokens.JOIN_TOKEN_KEY);
  }

  /** sha256:… of the agent API's CA, as `meshfed-agent join --ca-hash` takes it. */
  public static String caHash(KubernetesClient client) {
    var ca = client.secrets().inNamespace("default").withName("meshfed-agent-api-ca").get();
    return PinnedTrust.hashOf(Certificates.parseCertificate(AgentSecrets.read(ca, "tls.crt")));
  }

  public static AgentFacts facts(int cpuCores, long memoryBytes) {
    return new AgentFacts(cpuCores, memoryBytes, "linux", "amd64", "test", "testhost");
  }

  private static final Map<String, String> PRIVATE_KEYS = new ConcurrentHashMap<>();

  /** A WireGuard private key, distinct per seed. */
  public static String privateKey(int seed) {
    byte[] bytes = new byte[32];
    Arrays.fill(bytes, (byte) seed);
    bytes[0] &= (byte) 248;
    bytes[31] &= 127;
    bytes[31] |= 64;
    return Base64.getEncoder().encodeToString(bytes);
  }

  /** The public key of {@link #privateKey(int)}: distinct per seed. */
  public static String key(int seed) {
    String privateKey = privateKey(seed);
    String publicKey = KeyProof.publicKeyOf(privateKey);
    PRIVATE_KEYS.put(publicKey, privateKey);
    return publicKey;
  }

  /**
   * Joins as an agent does, proving the request's key with its private key ({@link #key}'s); a key
   * that is not one of those is proven with some other key, as an impostor would.
   */
  public static JoinResponse join(CoordinationClient api, JoinRequest request)
      throws IOException, InterruptedException, CoordinationClient.Refused {
    return api.join(
        request,
        request.publicKey() == null
            ? KeyProof.newPrivateKey()
            : PRIVATE_KEYS.getOrDefault(request.publicKey(), KeyProof.newPrivateKey()));
  }
}
