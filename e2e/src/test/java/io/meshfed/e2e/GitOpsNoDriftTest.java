package io.meshfed.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPool;
import io.meshfed.api.v1alpha1.Workload;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Argo CD's view of a mesh the operator is working on: the manifests of examples/gitops applied as
 * Argo CD applies them (server-side, its field manager); then, after the operator has written
 * status on every object, made a pool's peers and placed (or failed to place) a workload, nothing
 * it shows as drift — spec and generation as applied, no field under spec owned by anyone else, and
 * {@code kubectl diff} (what a sync compares) finds no difference.
 */
class GitOpsNoDriftTest {
  static final Path WORK = Path.of("target/e2e/gitops");
  static final Path MANIFESTS =
      Path.of(System.getProperty("meshfed.examples")).resolve("gitops/mesh.yaml");
  static final String NS = "mesh-prod";
  static final String ARGO = "argocd-controller";
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theOperatorWritesStatusOnlySoArgoCdSeesNoDrift() throws Exception {
    try (ControlPlane plane =
            ControlPlane.start(WORK, Path.of(System.getProperty("meshfed.crds")));
        OperatorProcess operator =
            OperatorProcess.start(
                Path.of(System.getProperty("meshfed.operator.jar")),
                plane.kubeconfig(),
                WORK.resolve("operator.log"),
                Map.of(
                    // local peers would be network namespaces on this host: the pool's peers wait
                    // instead
                    "meshfed.local.enabled", "false",
                    "meshfed.leader-election.namespace", "default"))) {
      KubernetesClient client = plane.client();
      client
          .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
          .create();

      Kubectl.Result applied =
          kubectl(
              plane,
              "apply",
              "--server-side",
              "--field-manager=" + ARGO,
              "-n",
              NS,
              "-f",
              MANIFESTS.toString(),
              "-o",
              "json");
      assertThat(applied.exitCode()).as(applied.output()).isZero();
      Map<String, JsonNode> specs = new LinkedHashMap<>();
      for (JsonNode item : JSON.readTree(applied.output()).get("items")) {
        specs.put(
            item.get("kind").asText() + "/" + item.at("/metadata/name").asText(), item.get("spec"));
      }
      assertThat(specs).hasSize(5);

      // the operator at work: status everywhere, the pool's peers made, the workload looked at
      await()
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                assertThat(
                        client
                            .resources(MeshCluster.class)
                            .inNamespace(NS)
                            .withName("office")
                            .get()
                            .getStatus()
                            .getObservedGeneration())
                    .isEqualTo(1L);
                assertThat(client.resources(Peer.class).inNamespace(NS).list().getItems())
                    .hasSize(4)
                    .allSatisfy(p -> assertThat(p.getStatus().getConditions()).isNotEmpty());
                assertThat(
                        client
                            .resources(PeerPool.class)
                            .inNamespace(NS)
                            .withName("burst")
                            .get()
                            .getStatus()
                            .getObservedGeneration())
                    .isEqualTo(1L);
                assertThat(
                        client
                            .resources(Workload.class)
                            .inNamespace(NS)
                            .withName("web")
                            .get()
                            .getStatus()
                            .getConditions())
                    .isNotEmpty();
              });

      for (var entry : specs.entrySet()) {
        String[] kindName = entry.getKey().split("/");
        GenericKubernetesResource now =
            client
                .genericKubernetesResources("meshfed.io/v1alpha1", kindName[0])
                .inNamespace(NS)
                .withName(kindName[1])
                .get();
        assertThat(now.getMetadata().getGeneration())
            .as(entry.getKey() + " generation")
            .isEqualTo(1L);
        assertThat((JsonNode) JSON.valueToTree(now.getAdditionalProperties().get("spec")))
            .as(entry.getKey() + " spec")
            .isEqualTo(entry.getValue());
        for (ManagedFieldsEntry managed : now.getMetadata().getManagedFields()) {
          if (!ARGO.equals(managed.getManager())) {
            assertThat(managed.getFieldsV1().getAdditionalProperties())
                .as(entry.getKey() + ": fields of " + managed.getManager())
                .doesNotContainKey("f:spec");
          }
        }
      }

      Kubectl.Result diff =
          kubectl(
              plane,
              "diff",
              "--server-side",
              "--field-manager=" + ARGO,
              "-n",
              NS,
              "-f",
              MANIFESTS.toString());
      assertThat(diff.exitCode()).as("kubectl diff (1 = differences):\n" + diff.output()).isZero();
      assertThat(diff.output()).isEmpty();
    }
  }

  /** kubectl (the one built beside the API server) with the test cluster's kubeconfig. */
  static Kubectl.Result kubectl(ControlPlane plane, String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                ControlPlane.kubectl().toString(), "--kubeconfig", plane.kubeconfig().toString()));
    command.addAll(List.of(args));
    Path output = Files.createTempFile(WORK, "kubectl", ".out");
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("kubectl still running after 60 s: " + command);
      }
      return new Kubectl.Result(
          process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(output);
    }
  }

  interface Kubectl {
    record Result(int exitCode, String output) {}
  }
}
