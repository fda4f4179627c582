package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * The Argo CD health checks of the four kinds, run by a Lua interpreter on statuses the operator
 * writes.
 */
class ArgoHealthChecksTest {
  static final Path HEALTH = Path.of(System.getProperty("meshfed.gitops")).resolve("health");
  static final ObjectMapper JSON = new ObjectMapper();

  record Health(String status, String message) {}

  @Test
  void meshCluster() throws Exception {
    assertHealth(
        "MeshCluster",
        "{\"metadata\":{\"generation\":2},\"status\":{\"observedGeneration\":1}}",
        "Progressing",
        "Waiting");
    assertHealth(
        "MeshCluster",
        status(2, "Ready", cond("Ready", "True", "ClusterReady", "all 3 peers are ready")),
        "Healthy",
        "all 3 peers are ready");
    assertHealth(
        "MeshCluster",
        status(2, "Degraded", cond("Ready", "False", "PeersNotReady", "NotReady: db-0")),
        "Degraded",
        "NotReady: db-0");
    assertHealth(
        "MeshCluster",
        status(2, "Pending", cond("Ready", "False", "PeersNotReady", "Joining: web-1")),
        "Progressing",
        "Joining: web-1");
    assertHealth(
        "MeshCluster",
        status(
            2,
            "Ready",
            cond("Ready", "True", "ClusterReady", "ok"),
            cond(
                "CredentialsValid",
                "False",
                "InvalidCredentials",
                "aws: InvalidCredentials: AuthFailure")),
        "Degraded",
        "aws: InvalidCredentials");
  }

  @Test
  void peer() throws Exception {
    assertHealth(
        "Peer",
        status(
            1,
            "Ready",
            cond("Ready", "True", "PeerReady", "reports"),
            cond("Healthy", "True", "HandshakesRecent", "2/2")),
        "Healthy",
        "reports");
    assertHealth(
        "Peer",
        status(
            1,
            "Ready",
            cond("Ready", "True", "PeerReady", "reports"),
            cond("Healthy", "False", "HandshakesMissing", "no handshake with db-0")),
        "Degraded",
        "no handshake with db-0");
    assertHealth(
        "Peer",
        status(1, "NotReady", cond("Ready", "False", "HeartbeatMissed", "no heartbeat")),
        "Degraded",
        "no heartbeat");
    assertHealth(
        "Peer",
        status(1, "Failed", cond("Ready", "False", "InvalidInstanceType", "t9.enormous")),
        "Degraded",
        "t9.enormous");
    assertHealth(
        "Peer",
        status(1, "Provisioning", cond("Ready", "False", "MachinePending", "machine is pending")),
        "Progressing",
        "machine is pending");
    assertHealth("Peer", "{\"metadata\":{\"generation\":1}}", "Progressing", "Waiting");
  }

  @Test
  void peerPool() throws Exception {
    assertHealth(
        "PeerPool",
        status(3, null, cond("Ready", "True", "PoolReady", "all 3 peers are Ready")),
        "Healthy",
        "all 3");
    assertHealth(
        "PeerPool",
        status(3, null, cond("Ready", "False", "Scaling", "scaling from 1 to 3")),
        "Progressing",
        "scaling");
    assertHealth(
        "PeerPool",
        status(3, null, cond("Ready", "False", "ClusterNotFound", "MeshCluster x does not exist")),
        "Degraded",
        "does not exist");
    assertHealth(
        "PeerPool",
        status(
            3,
            null,
            cond("Ready", "True", "PoolReady", "all 1 peers are Ready"),
            cond(
                "CapacityKnown",
                "False",
                "CapacityUnknown",
                "the pool cannot grow: set spec.capacity")),
        "Degraded",
        "cannot grow");
  }

  @Test
  void workload() throws Exception {
    assertHealth(
        "Workload",
        withReplicas(
            status(
                1,
                null,
                cond("Scheduled", "True", "Scheduled", "3 placed"),
                cond("Available", "True", "ReplicasRunning", "3 running")),
            3,
            3),
        "Healthy",
        "3/3 replicas ready");
    assertHealth(
        "Workload",
        withReplicas(
            status(
                1,
                null,
                cond("Scheduled", "False", "NoMatchingPeer", "no peer with region=mars"),
                cond("Available", "False", "ReplicasNotRunning", "0 of 3")),
            3,
            0),
        "Degraded",
        "region=mars");
    assertHealth(
        "Workload",
        withReplicas(
            status(
                1,
                null,
                cond("Scheduled", "False", "NoResourcesAvailable", "needs 2 cpu"),
                cond("Available", "False", "ReplicasNotRunning", "1 of 3")),
            3,
            1),
        "Progressing",
        "needs 2 cpu");
    assertHealth(
        "Workload",
        withReplicas(
            status(
                1,
                null,
                cond("Scheduled", "True", "Scheduled", "placed"),
                cond("Available", "False", "EnvNotResolved", "Secret db-password does not exist")),
            1,
            0),
        "Degraded",
        "db-password");
    assertHealth(
        "Workload",
        withReplicas(
            status(
                1,
                null,
                cond("Scheduled", "True", "Scheduled", "placed"),
                cond("Available", "True", "ReplicasRunning", "2 of 2 replicas ready"),
                cond(
                    "Progressing",
                    "False",
                    "ProgressDeadlineExceeded",
                    "revision 3f2a: no progress for 600s")),
            3,
            2),
        "Degraded",
        "no progress for 600s");
  }

  @Test
  void theArgoCdConfigMapCarriesExactlyTheseScripts() throws Exception {
    JsonNode configMap =
        new ObjectMapper(new YAMLFactory())
            .readTree(HEALTH.getParent().resolve("argocd-cm.yaml").toFile());
    for (String kind : List.of("MeshCluster", "Peer", "PeerPool", "Workload")) {
      String inConfigMap =
          configMap.path("data").path("resource.customizations.health.meshfed.io_" + kind).asText();
      assertThat(inConfigMap.strip())
          .as(kind + ": regenerate gitops/argocd-cm.yaml from gitops/health")
          .isEqualTo(script(kind).strip());
    }
  }

  private static String script(String kind) throws IOException {
    return Files.readString(HEALTH.resolve("common.lua"))
        + "\n"
        + Files.readString(HEALTH.resolve("meshfed.io_" + kind + ".lua"));
  }

  private static void assertHealth(String kind, String object, String status, String messagePart)
      throws IOException {
    Health health = run(kind, object);
    assertThat(health.status()).as(kind + " " + object).isEqualTo(status);
    assertThat(health.message()).contains(messagePart);
  }

  /**
   * As Argo CD runs a check: the object as the global {@code obj}, the returned table read back.
   */
  static Health run(String kind, String object) throws IOException {
    Globals globals = JsePlatform.standardGlobals();
    globals.set("obj", toLua(JSON.readTree(object)));
    LuaValue result = globals.load(script(kind), kind).call();
    return new Health(result.get("status").tojstring(), result.get("message").tojstring());
  }

  private static LuaValue toLua(JsonNode node) {
    if (node.isObject()) {
      LuaTable table = new LuaTable();
      node.fields().forEachRemaining(e -> table.set(e.getKey(), toLua(e.getValue())));
      return table;
    }
    if (node.isArray()) {
      LuaTable table = new LuaTable();
      for (int i = 0; i < node.size(); i++) {
        table.set(i + 1, toLua(node.get(i)));
      }
      return table;
    }
    if (node.isNumber()) {
      return LuaValue.valueOf(node.asDouble());
    }
    if (node.isBoolean()) {
      return LuaValue.valueOf(node.asBoolean());
    }
    return node.isNull() ? LuaValue.NIL : LuaValue.valueOf(node.asText());
  }

  private static String cond(String type, String status, String reason, String message) {
    return "{\"type\":\""
        + type
        + "\",\"status\":\""
        + status
        + "\",\"reason\":\""
        + reason
        + "\",\"message\":\""
        + message
        + "\"}";
  }

  private static String status(int generation, String phase, String... conditions) {
    return "{\"metadata\":{\"generation\":"
        + generation
        + "},\"status\":{\"observedGeneration\":"
        + generation
        + (phase == null ? "" : ",\"phase\":\"" + phase + "\"")
        + ",\"conditions\":["
        + String.join(",", conditions)
        + "]}}";
  }

  private static String withReplicas(String object, int replicas, int ready) throws IOException {
    var node = (ObjectNode) JSON.readTree(object);
    ((ObjectNode) node.get("status")).put("replicas", replicas).put("readyReplicas", ready);
    return node.toString();
  }
}
