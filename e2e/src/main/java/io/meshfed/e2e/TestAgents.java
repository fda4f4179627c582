package io.meshfed.e2e;

import io.meshfed.agent.CoordinationClient;
import io.meshfed.api.agent.AgentFacts;
import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.KeyProof;
import io.meshfed.api.agent.MapPeer;
import io.meshfed.api.agent.NetMap;
import io.meshfed.api.agent.StatusReport;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * Agents of the e2e tests that need no machine: the agent's own client joining with a fresh key and
 * reporting as a booting agent does, on the underlay 198.18.0.0/24.
 */
public final class TestAgents {
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  private TestAgents() {}

  /** What a call through the client answers. */
  @FunctionalInterface
  private interface Call<T> {
    T call() throws IOException, InterruptedException, CoordinationClient.Refused;
  }

  /**
   * Joins (asking again while no replica can answer: refused connections, 5xx) and reports once the
   * same way; returns the credential.
   */
  public static String joinAndReport(CoordinationClient api, String token, String name, int host)
      throws Exception {
    String credential = join(api, token, name, host);
    patiently(() -> api.status(credential, report(name, host)));
    return credential;
  }

  /** Joins, asking again while no replica can answer; returns the credential. */
  public static String join(CoordinationClient api, String token, String name, int host)
      throws Exception {
    String privateKey = KeyProof.newPrivateKey();
    JoinRequest request =
        new JoinRequest(
            token, name, KeyProof.publicKeyOf(privateKey), endpoints(host), facts(name));
    return patiently(() -> api.join(request, privateKey).credential());
  }

  /** A report of what the agent joined with, no tunnels yet. */
  public static StatusReport report(String name, int host) {
    return new StatusReport(name, null, endpoints(host), facts(name), List.of());
  }

  /** The names of the peers a map brings. */
  public static List<String> names(NetMap map) {
    return map.peers().stream().map(MapPeer::name).toList();
  }

  private static List<String> endpoints(int host) {
    return List.of("198.18.0." + host + ":51820");
  }

  private static AgentFacts facts(String name) {
    return new AgentFacts(2, 4L << 30, "linux", "amd64", "e2e", name);
  }

  private static <T> T patiently(Call<T> call) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (true) {
      try {
        return call.call();
      } catch (IOException | CoordinationClient.Refused e) {
        boolean again =
            e instanceof IOException || ((CoordinationClient.Refused) e).status() >= 500;
        if (!again || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(500);
      }
    }
  }
}
