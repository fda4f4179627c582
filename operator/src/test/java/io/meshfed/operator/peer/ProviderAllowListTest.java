package io.meshfed.operator.peer;

import static io.meshfed.operator.testing.TestObjects.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerPhase;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.operator.support.Conditions;
import io.meshfed.operator.testing.KubeApiServerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An operator allowed only some providers says so on Peers of the others, and makes nothing. */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
@TestProfile(ProviderAllowListTest.OnlyLocal.class)
class ProviderAllowListTest {
  public static class OnlyLocal implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("meshfed.providers.enabled", "local");
    }
  }

  @Test
  void aPeerOfAProviderThisOperatorMayNotUseIsToldWhy() {
    KubernetesClient client = KubeApiServerResource.client();
    String ns = freshNamespace(client, "allow-list");
    client.resource(cluster(ns, "mesh", "100.92.0.0/16", 24)).create();
    client.resource(peer(ns, "ec2", "mesh", ProviderType.AWS)).create();
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              Peer peer = client.resources(Peer.class).inNamespace(ns).withName("ec2").get();
              Condition provisioned =
                  Conditions.find(peer.getStatus().getConditions(), "Provisioned").orElseThrow();
              assertThat(provisioned.getReason()).isEqualTo("ProviderNotInstalled");
              assertThat(provisioned.getMessage())
                  .contains("no aws provider")
                  .contains("[local, static]");
              assertThat(peer.getStatus().getPhase()).isEqualTo(PeerPhase.PENDING);
            });
    client.close();
  }
}
