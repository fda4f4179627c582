package io.meshfed.operator.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.api.v1alpha1.CloudProviderSpec;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.ProvidersSpec;
import io.meshfed.api.v1alpha1.SecretReference;
import io.meshfed.operator.provider.CredentialSecrets.Plan;
import io.meshfed.operator.provider.CredentialSecrets.SecretState;
import io.meshfed.operator.testing.TestObjects;
import java.util.List;
import org.junit.jupiter.api.Test;

class CredentialSecretsTest {
  static MeshCluster clusterNaming(String name, String aws, String gcp) {
    MeshCluster cluster = TestObjects.cluster("ns", name, "100.64.0.0/16", 24);
    ProvidersSpec providers = new ProvidersSpec();
    if (aws != null) {
      CloudProviderSpec spec = new CloudProviderSpec();
      spec.setCredentialsSecretRef(new SecretReference(aws));
      providers.setAws(spec);
    }
    if (gcp != null) {
      CloudProviderSpec spec = new CloudProviderSpec();
      spec.setCredentialsSecretRef(new SecretReference(gcp));
      providers.setGcp(spec);
    }
    cluster.getSpec().setProviders(providers);
    return cluster;
  }

  @Test
  void whatAClusterNamesIsProtectedOnce() {
    assertThat(
            CredentialSecrets.plan(
                List.of(clusterNaming("a", "aws-creds", "gcp-creds")),
                List.of(
                    new SecretState("aws-creds", false, false),
                    new SecretState("gcp-creds", true, false))))
        .isEqualTo(new Plan(List.of("aws-creds"), List.of()));
  }

  @Test
  void aSecretBeingDeletedKeepsTheFinalizerItHasAndGetsNoNewOne() {
    List<MeshCluster> holders = List.of(clusterNaming("a", "aws-creds", "gcp-creds"));
    assertThat(
            CredentialSecrets.plan(
                holders,
                List.of(
                    new SecretState("aws-creds", true, true),
                    new SecretState("gcp-creds", false, true))))
        .as("the API refuses new finalizers on an object being deleted")
        .isEqualTo(new Plan(List.of(), List.of()));
  }

  @Test
  void aSecretNoClusterNamesIsLetGoUnlessAnotherClusterStillNamesIt() {
    List<SecretState> shared = List.of(new SecretState("shared", true, true));
    assertThat(CredentialSecrets.plan(List.of(), shared))
        .isEqualTo(new Plan(List.of(), List.of("shared")));
    assertThat(CredentialSecrets.plan(List.of(clusterNaming("b", null, "shared")), shared))
        .as("cluster b, still there, needs it")
        .isEqualTo(new Plan(List.of(), List.of()));
    assertThat(
            CredentialSecrets.plan(
                List.of(clusterNaming("a", "new-creds", null)),
                List.of(
                    new SecretState("old-creds", true, false),
                    new SecretState("new-creds", false, false))))
        .as("a cluster that switched to other credentials")
        .isEqualTo(new Plan(List.of("new-creds"), List.of("old-creds")));
  }

  @Test
  void aClusterWithoutCloudsNamesNothing() {
    MeshCluster local = TestObjects.cluster("ns", "local", "100.64.0.0/16", 24);
    assertThat(CredentialSecrets.named(local)).isEmpty();
    assertThat(CredentialSecrets.named(clusterNaming("x", "one", "one"))).containsExactly("one");
  }
}
