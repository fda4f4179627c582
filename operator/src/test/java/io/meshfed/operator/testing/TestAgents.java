package io.meshfed.operator.testing;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.agent.PinnedTrust;
import io.meshfed.api.agent.AgentFacts;
import io.meshfed.operator.join.AgentSecrets;
import io.meshfed.operator.join.JoinTokens;
import io.meshfed.operator.server.Certificates;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;

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

  /** A WireGuard-shaped public key, distinct per seed. */
  public static String key(int seed) {
    byte[] bytes = new byte[32];
    Arrays.fill(bytes, (byte) seed);
    return Base64.getEncoder().encodeToString(bytes);
  }
}
