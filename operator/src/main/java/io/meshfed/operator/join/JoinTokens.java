package io.meshfed.operator.join;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.meshfed.api.agent.Tokens;
import io.meshfed.api.v1alpha1.Durations;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.operator.support.Conditions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The cluster join token: 32 random bytes in a Secret owned by the MeshCluster, with its expiry in
 * an annotation. A token past its expiry is replaced with a new one.
 */
public final class JoinTokens {
  public static final String SECRET_TYPE = MeshfedApi.GROUP + "/join-token";
  public static final String TOKEN_KEY = "token";

  /** The token before the last rotation, kept so a join with it is told "expired", not "wrong". */
  public static final String PREVIOUS_TOKEN_KEY = "previous-token";

  /** The whole string {@code meshfed-agent join --token} takes. */
  public static final String JOIN_TOKEN_KEY = "join-token";

  public static final String EXPIRES_ANNOTATION = MeshfedApi.GROUP + "/expires-at";
  private static final SecureRandom RANDOM = new SecureRandom();

  private JoinTokens() {}

  public static String secretName(String cluster) {
    return cluster + "-meshfed-join-token";
  }

  /** When the token in this Secret expires; empty when it never does. */
  public static Optional<Instant> expiry(Secret secret) {
    String value =
        secret.getMetadata().getAnnotations() == null
            ? null
            : secret.getMetadata().getAnnotations().get(EXPIRES_ANNOTATION);
    return value == null || value.isEmpty() ? Optional.empty() : Optional.of(Instant.parse(value));
  }

  public static boolean needsNewToken(Optional<Secret> secret, Instant now) {
    return secret.isEmpty()
        || secret.get().getData() == null
        || !secret.get().getData().containsKey(TOKEN_KEY)
        || expiry(secret.get()).map(e -> !e.isAfter(now)).orElse(false);
  }

  /** A Secret with a fresh random token valid for the cluster's spec.joinToken.ttl. */
  public static Secret fresh(MeshCluster cluster, Instant now) {
    return fresh(cluster, now, Optional.empty());
  }

  /** The same, remembering the token it replaces. */
  public static Secret fresh(MeshCluster cluster, Instant now, Optional<Secret> replaced) {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    Duration ttl = ttl(cluster);
    String expires = ttl.isZero() ? "" : Conditions.timestamp(now.plus(ttl));
    return new SecretBuilder()
        .withNewMetadata()
        .withName(secretName(cluster.getMetadata().getName()))
        .withNamespace(cluster.getMetadata().getNamespace())
        .withLabels(
            Map.of(
                MeshfedApi.CLUSTER_LABEL,
                cluster.getMetadata().getName(),
                MeshfedApi.MANAGED_BY_LABEL,
                MeshfedApi.MANAGER))
        .withAnnotations(Map.of(EXPIRES_ANNOTATION, expires))
        .withOwnerReferences(
            new OwnerReferenceBuilder()
                .withApiVersion(MeshfedApi.API_VERSION)
                .withKind("MeshCluster")
                .withName(cluster.getMetadata().getName())
                .withUid(cluster.getMetadata().getUid())
                .withController(true)
                .build())
        .endMetadata()
        .withType(SECRET_TYPE)
        .withStringData(
            data(cluster, HexFormat.of().formatHex(bytes), replaced.map(JoinTokens::token)))
        .build();
  }

  private static Map<String, String> data(
      MeshCluster cluster, String token, Optional<String> previous) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put(TOKEN_KEY, token);
    data.put(
        JOIN_TOKEN_KEY,
        Tokens.format(
            Tokens.Kind.CLUSTER,
            cluster.getMetadata().getNamespace(),
            cluster.getMetadata().getName(),
            token));
    previous.ifPresent(p -> data.put(PREVIOUS_TOKEN_KEY, p));
    return data;
  }

  /** The secret part of the token in this Secret, or null. */
  public static String token(Secret secret) {
    return AgentSecrets.read(secret, TOKEN_KEY);
  }

  public static String previousToken(Secret secret) {
    return AgentSecrets.read(secret, PREVIOUS_TOKEN_KEY);
  }

  static Duration ttl(MeshCluster cluster) {
    var spec = cluster.getSpec().getJoinToken();
    return spec == null || spec.getTtl() == null
        ? Duration.ofHours(24)
        : Durations.parse(spec.getTtl());
  }
}
