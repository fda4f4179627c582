package io.meshfed.operator.join;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.meshfed.api.v1alpha1.JoinTokenSpec;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.operator.testing.TestObjects;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JoinTokensTest {
  private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");

  @Test
  void aFreshTokenIsRandomAndExpiresAfterTheTtl() {
    MeshCluster cluster = cluster("90m");
    Secret one = JoinTokens.fresh(cluster, NOW);
    Secret two = JoinTokens.fresh(cluster, NOW);
    assertThat(one.getStringData().get("token"))
        .matches("[0-9a-f]{64}")
        .isNotEqualTo(two.getStringData().get("token"));
    assertThat(JoinTokens.expiry(one)).contains(Instant.parse("2026-06-01T01:30:00Z"));
    assertThat(one.getMetadata().getName()).isEqualTo("c-meshfed-join-token");
    assertThat(one.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> assertThat(o.getController()).isTrue());
  }

  @Test
  void aZeroTtlNeverExpires() {
    Secret secret = JoinTokens.fresh(cluster("0s"), NOW);
    assertThat(JoinTokens.expiry(secret)).isEmpty();
    assertThat(
            JoinTokens.needsNewToken(
                Optional.of(stored(secret)), NOW.plusSeconds(10L * 365 * 86400)))
        .isFalse();
  }

  @Test
  void aMissingEmptyOrExpiredTokenIsReplaced() {
    Secret secret = stored(JoinTokens.fresh(cluster("1h"), NOW));
    assertThat(JoinTokens.needsNewToken(Optional.empty(), NOW)).isTrue();
    assertThat(JoinTokens.needsNewToken(Optional.of(secret), NOW.plusSeconds(3599))).isFalse();
    assertThat(JoinTokens.needsNewToken(Optional.of(secret), NOW.plusSeconds(3600))).isTrue();
    Secret emptied = new SecretBuilder(secret).withData(Map.of()).build();
    assertThat(JoinTokens.needsNewToken(Optional.of(emptied), NOW)).isTrue();
  }

  /** As the API server returns it: stringData folded into base64 data. */
  private static Secret stored(Secret written) {
    return new SecretBuilder(written)
        .withStringData(null)
        .withData(
            Map.of(
                "token",
                Base64.getEncoder()
                    .encodeToString(
                        written.getStringData().get("token").getBytes(StandardCharsets.UTF_8))))
        .build();
  }

  private static MeshCluster cluster(String ttl) {
    MeshCluster cluster = TestObjects.cluster("ns", "c", null, null);
    cluster.getMetadata().setUid("uid-c");
    JoinTokenSpec token = new JoinTokenSpec();
    token.setTtl(ttl);
    cluster.getSpec().setJoinToken(token);
    return cluster;
  }
}
