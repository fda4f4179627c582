package io.meshfed.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CRDs under crds/ are the build's output, committed. This test fails when they drift from what
 * the Java types generate; {@code mvn -pl api test -Dmeshfed.updateCrds=true} rewrites them.
 *
 * <p>The Fabric8 generator sorts printer columns by JSON path; kubectl shows them in list order, so
 * the columns are put back in the order the class declares them.
 */
class CrdManifestsTest {
  private static final Path GENERATED = Path.of("target/classes/META-INF/fabric8");
  private static final Path COMMITTED = Path.of("../crds");

  /** The Helm chart ships the same files (its own test fails on drift). */
  private static final Path CHART_CRDS = Path.of("../helm/meshfed/crds");

  private static final String HEADER =
      "# Generated from the Java types in api/ (mvn -pl api test -Dmeshfed.updateCrds=true). Do not edit.\n";

  @ParameterizedTest
  @ValueSource(
      classes = {MeshCluster.class, Peer.class, PeerPool.class, Workload.class, LogRequest.class})
  void committedCrdMatchesTheGeneratedOne(Class<? extends CustomResource<?, ?>> kind)
      throws IOException {
    String plural = HasMetadata.getPlural(kind);
    String crdName = plural + "." + MeshfedApi.GROUP;
    CustomResourceDefinition crd =
        Serialization.unmarshal(
            Files.readString(GENERATED.resolve(crdName + "-v1.yml")),
            CustomResourceDefinition.class);
    orderPrinterColumnsAsDeclared(crd, kind);
    String expected = HEADER + Serialization.asYaml(crd);

    Path committed = COMMITTED.resolve(crdName + ".yaml");
    if (Boolean.getBoolean("meshfed.updateCrds")) {
      Files.createDirectories(COMMITTED);
      Files.writeString(committed, expected);
      Files.createDirectories(CHART_CRDS);
      Files.writeString(CHART_CRDS.resolve(crdName + ".yaml"), expected);
    }
    assertThat(committed)
        .as("crds/%s.yaml is stale: run mvn -pl api test -Dmeshfed.updateCrds=true", crdName)
        .exists();
    assertThat(Files.readString(committed))
        .as("crds/%s.yaml is stale: run mvn -pl api test -Dmeshfed.updateCrds=true", crdName)
        .isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(
      classes = {MeshCluster.class, Peer.class, PeerPool.class, Workload.class, LogRequest.class})
  void everyKindHasAStatusSubresourceAndAShortName(Class<? extends CustomResource<?, ?>> kind)
      throws IOException {
    CustomResourceDefinition crd =
        Serialization.unmarshal(
            Files.readString(COMMITTED.resolve(CustomResource.getCRDName(kind) + ".yaml")),
            CustomResourceDefinition.class);
    var version = crd.getSpec().getVersions().get(0);
    assertThat(version.getSubresources().getStatus()).isNotNull();
    assertThat(crd.getSpec().getNames().getShortNames()).isNotEmpty();
    assertThat(version.getAdditionalPrinterColumns()).isNotEmpty();
    assertThat(
            version
                .getAdditionalPrinterColumns()
                .get(version.getAdditionalPrinterColumns().size() - 1)
                .getName())
        .isEqualTo("Age");
  }

  static void orderPrinterColumnsAsDeclared(CustomResourceDefinition crd, Class<?> kind) {
    List<String> declared =
        Arrays.stream(kind.getAnnotationsByType(AdditionalPrinterColumn.class))
            .map(AdditionalPrinterColumn::name)
            .toList();
    crd.getSpec()
        .getVersions()
        .forEach(
            v ->
                v.getAdditionalPrinterColumns()
                    .sort(
                        Comparator.comparingInt(
                            (CustomResourceColumnDefinition c) -> declared.indexOf(c.getName()))));
  }
}
