package io.meshfed.api.agent;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.Peer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Peer's one-time bootstrap token as a Secret the Peer owns: the contract between those who issue
 * it (the operator for the machines it makes, {@code kubectl meshfed join-command} for a host you
 * bring) and the agent API, which accepts {@code mfb:<namespace>:<peer>:<token>} once, until the
 * expiry annotation.
 */
public final class BootstrapSecrets {
  public static final String ROLE_LABEL = MeshfedApi.GROUP + "/secret-role";
  public static final String ROLE = "bootstrap";
  public static final String TOKEN = "token";
  public static final String EXPIRES_ANNOTATION = MeshfedApi.GROUP + "/expires-at";
  public static final String TYPE = MeshfedApi.GROUP + "/bootstrap-token";
  private static final SecureRandom RANDOM = new SecureRandom();

  private BootstrapSecrets() {}

  public static String name(String peer) {
    return peer + "-meshfed-bootstrap";
  }

  /** 32 random bytes, hex: the secret part of every token. */
  public static String randomToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** The Secret for {@code peer} (created, so it has a UID), valid until {@code expires}. */
  public static Secret secret(Peer peer, String token, Instant expires) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(MeshfedApi.PEER_LABEL, peer.getMetadata().getName());
    labels.put(MeshfedApi.CLUSTER_LABEL, peer.getSpec().getClusterRef().getName());
    labels.put(ROLE_LABEL, ROLE);
    labels.put(MeshfedApi.MANAGED_BY_LABEL, MeshfedApi.MANAGER);
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name(peer.getMetadata().getName()))
        .withNamespace(peer.getMetadata().getNamespace())
        .withLabels(labels)
        .withAnnotations(Map.of(EXPIRES_ANNOTATION, expires.toString()))
        .withOwnerReferences(
            new OwnerReferenceBuilder()
                .withApiVersion(MeshfedApi.API_VERSION)
                .withKind("Peer")
                .withName(peer.getMetadata().getName())
                .withUid(peer.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(false)
                .build())
        .endMetadata()
        .withType(TYPE)
        .withData(
            Map.of(
                TOKEN, Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8))))
        .build();
  }
}
