package io.meshfed.operator.provider;

import static io.meshfed.operator.testing.TestObjects.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.api.v1alpha1.CloudProviderSpec;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.api.v1alpha1.ProvidersSpec;
import io.meshfed.api.v1alpha1.SecretReference;
import io.meshfed.fakes.FakeDigitalOcean;
import io.meshfed.operator.config.MeshfedConfig;
import io.meshfed.operator.testing.KubeApiServerResource;
import io.meshfed.provider.spi.MachineProvider;
import io.meshfed.provider.spi.MachineRequest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The orphan collector and the cluster's release, against a DigitalOcean fake, on a clock the test
 * moves.
 */
@QuarkusTest
@QuarkusTestResource(KubeApiServerResource.class)
class CloudAccountsTest {
  @Inject ProviderRegistry providers;
  @Inject ProviderContexts contexts;
  @Inject MeshfedConfig config;

  /** A clock that stands still until told. */
  static final class ManualClock extends Clock {
    final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());

    @Override
    public Instant instant() {
      return now.get();
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    void advance(Duration by) {
      now.updateAndGet(t -> t.plus(by));
    }
  }

  @Test
  void machinesNoPeerOwnsAreDeletedAfterTheGracePeriodAndReleaseLeavesNothing() throws Exception {
    KubernetesClient client = KubeApiServerResource.client();
    try (FakeDigitalOcean digitalOcean = new FakeDigitalOcean("dop_v1_orphans")) {
      String ns = freshNamespace(client, "orphans");
      client
          .resource(
              new SecretBuilder()
                  .withNewMetadata()
                  .withName("do")
                  .withNamespace(ns)
                  .endMetadata()
                  .withStringData(Map.of("token", "dop_v1_orphans"))
                  .build())
          .create();
      MeshCluster cluster = cluster(ns, "mesh", "100.94.0.0/16", 24);
      CloudProviderSpec account = new CloudProviderSpec();
      account.setRegion("fra1");
      account.setEndpoint(digitalOcean.endpoint().toString());
      account.setCredentialsSecretRef(new SecretReference("do"));
      ProvidersSpec providersSpec = new ProvidersSpec();
      providersSpec.setDigitalocean(account);
      cluster.getSpec().setProviders(providersSpec);
      MeshCluster created = client.resource(cluster).create();
      String clusterUid = created.getMetadata().getUid();

      // two machines made for the cluster: one whose Peer exists, one whose Peer is gone
      MachineProvider provider = providers.get("digitalocean").orElseThrow();
      var context = contexts.of(created, ProviderType.DIGITALOCEAN);
      String owned = UUID.randomUUID().toString();
      String orphan = UUID.randomUUID().toString();
      provider.ensure(context, request(clusterUid, owned, "owned"));
      provider.ensure(context, request(clusterUid, orphan, "orphan"));

      ManualClock clock = new ManualClock();
      CloudAccounts accounts = new CloudAccounts(providers, contexts, config.cluster(), clock);
      assertThat(accounts.collectOrphans(created, Set.of(owned)))
          .as("too young to be an orphan")
          .isZero();
      assertThat(digitalOcean.droplets()).hasSize(2);

      clock.advance(config.cluster().orphanGrace().plusMinutes(1));
      assertThat(accounts.collectOrphans(created, Set.of(owned))).isEqualTo(1);
      assertThat(digitalOcean.dropletsTagged("meshfed-peer:" + orphan)).isEmpty();
      assertThat(digitalOcean.dropletsTagged("meshfed-peer:" + owned)).hasSize(1);
      // another orphan, already past its grace on this clock: it waits for the next scan
      provider.ensure(context, request(clusterUid, UUID.randomUUID().toString(), "another-orphan"));
      clock.advance(Duration.ofMinutes(1));
      assertThat(accounts.collectOrphans(created, Set.of(owned)))
          .as("once per scan interval")
          .isZero();
      clock.advance(config.cluster().orphanScanInterval());
      assertThat(accounts.collectOrphans(created, Set.of(owned))).isEqualTo(1);
      assertThat(digitalOcean.droplets()).hasSize(1);

      // the cluster goes: whatever is still tagged for it, then its firewall
      assertThat(accounts.release(created)).as("a machine was still there").isFalse();
      assertThat(digitalOcean.droplets()).isEmpty();
      assertThat(accounts.release(created)).isTrue();
      assertThat(digitalOcean.firewalls()).isEmpty();
      assertThat(digitalOcean.bugs()).isEmpty();
    } finally {
      client.close();
    }
  }

  private static MachineRequest request(String clusterUid, String peerUid, String name) {
    return new MachineRequest(
        clusterUid, peerUid, name, null, null, "s-1vcpu-1gb", null, 51820, null, null, Map.of(), 1);
  }
}
