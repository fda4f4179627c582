package io.meshfed.operator.join;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.meshfed.api.agent.AgentFacts;
import io.meshfed.api.agent.BootstrapSecrets;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.operator.support.SecretData;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Secrets a peer's agent has, both owned by the Peer: its bootstrap token (one-time, for a
 * machine the operator makes) and its membership — the hash of its credential, its public key,
 * endpoints and facts, written at join. The credential itself is never stored.
 */
public final class AgentSecrets {
  public static final String ROLE_LABEL = BootstrapSecrets.ROLE_LABEL;
  public static final String ROLE_AGENT = "agent";
  public static final String ROLE_BOOTSTRAP = BootstrapSecrets.ROLE;
  static final String CREDENTIAL_HASH = "credential-sha256";
  static final String PUBLIC_KEY = "public-key";
  static final String ENDPOINTS = "endpoints";
  static final String FACTS = "facts";
  static final String PENDING_CREDENTIAL_HASH = "pending-credential-sha256";
  static final String ROTATED_FOR = "key-rotated-for";
  static final String ROTATED_AT = "key-rotated-at";
  public static final String BOOTSTRAP_TOKEN = BootstrapSecrets.TOKEN;
  public static final String EXPIRES_ANNOTATION = BootstrapSecrets.EXPIRES_ANNOTATION;
  public static final String USED_BY_ANNOTATION = MeshfedApi.GROUP + "/used-by-key";
  private static final ObjectMapper JSON = new ObjectMapper();

  private AgentSecrets() {}

  public static String agentSecretName(String peer) {
    return peer + "-meshfed-agent";
  }

  public static String bootstrapSecretName(String peer) {
    return BootstrapSecrets.name(peer);
  }

  /** The heartbeat Lease of a peer has the agent Secret's name. */
  public static String leaseName(String peer) {
    return agentSecretName(peer);
  }

  /** 32 random bytes, hex: the secret part of every token. */
  public static String randomSecret() {
    return BootstrapSecrets.randomToken();
  }

  public static String sha256(String value) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Compares in time independent of where the strings differ. */
  public static boolean sameSecret(String a, String b) {
    return a != null
        && b != null
        && MessageDigest.isEqual(
            a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  /** What the agent told us at join (and since), as kept in its Secret. */
  /**
   * @param rotatedFor the key rotation request the agent last answered, null before any
   * @param rotatedAt when the operator took that key (RFC 3339)
   * @param pendingCredentialHash a credential the agent sent with a rotation: valid beside the
   *     current one until its first use makes it the only one
   */
  public record Membership(
      String credentialHash,
      String publicKey,
      List<String> endpoints,
      AgentFacts facts,
      String rotatedFor,
      String rotatedAt,
      String pendingCredentialHash) {

    public Membership(
        String credentialHash, String publicKey, List<String> endpoints, AgentFacts facts) {
      this(credentialHash, publicKey, endpoints, facts, null, null, null);
    }

    /** The same membership, with what an agent reported of its machine now. */
    public Membership reporting(List<String> endpoints, AgentFacts facts) {
      return new Membership(
          credentialHash,
          publicKey,
          endpoints,
          facts,
          rotatedFor,
          rotatedAt,
          pendingCredentialHash);
    }

    /** The same membership under a new key, for the rotation request it answered. */
    public Membership rotated(
        String publicKey, String request, String at, String pendingCredentialHash) {
      return new Membership(
          credentialHash, publicKey, endpoints, facts, request, at, pendingCredentialHash);
    }

    /** The pending credential used: from now on the only one. */
    public Membership promoted() {
      return new Membership(
          pendingCredentialHash, publicKey, endpoints, facts, rotatedFor, rotatedAt, null);
    }
  }

  public static Secret agentSecret(Peer peer, Membership membership) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put(CREDENTIAL_HASH, membership.credentialHash());
    data.put(PUBLIC_KEY, membership.publicKey());
    data.put(ENDPOINTS, String.join(",", membership.endpoints()));
    if (membership.pendingCredentialHash() != null) {
      data.put(PENDING_CREDENTIAL_HASH, membership.pendingCredentialHash());
    }
    if (membership.rotatedFor() != null) {
      data.put(ROTATED_FOR, membership.rotatedFor());
      data.put(ROTATED_AT, membership.rotatedAt());
    }
    try {
      data.put(FACTS, JSON.writeValueAsString(membership.facts()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return owned(
        peer,
        agentSecretName(peer.getMetadata().getName()),
        ROLE_AGENT,
        MeshfedApi.GROUP + "/agent",
        data,
        Map.of());
  }

  public static Optional<Membership> membership(Secret secret) {
    if (secret == null
        || secret.getData() == null
        || !secret.getData().containsKey(CREDENTIAL_HASH)) {
      return Optional.empty();
    }
    String endpoints = read(secret, ENDPOINTS);
    AgentFacts facts = null;
    String factsJson = read(secret, FACTS);
    if (factsJson != null && !factsJson.isEmpty()) {
      try {
        facts = JSON.readValue(factsJson, AgentFacts.class);
      } catch (JsonProcessingException e) {
        facts = null; // facts are advisory; a bad copy is dropped, not fatal
      }
    }
    return Optional.of(
        new Membership(
            read(secret, CREDENTIAL_HASH),
            read(secret, PUBLIC_KEY),
            endpoints == null || endpoints.isEmpty()
                ? List.of()
                : Arrays.asList(endpoints.split(",")),
            facts,
            read(secret, ROTATED_FOR),
            read(secret, ROTATED_AT),
            read(secret, PENDING_CREDENTIAL_HASH)));
  }

  public static Secret bootstrapSecret(Peer peer, String token, Instant expires) {
    return BootstrapSecrets.secret(peer, token, expires);
  }

  public static String read(Secret secret, String key) {
    return SecretData.read(secret, key);
  }

  private static Secret owned(
      Peer peer,
      String name,
      String role,
      String type,
      Map<String, String> data,
      Map<String, String> annotations) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(MeshfedApi.PEER_LABEL, peer.getMetadata().getName());
    labels.put(MeshfedApi.CLUSTER_LABEL, peer.getSpec().getClusterRef().getName());
    labels.put(ROLE_LABEL, role);
    labels.put(MeshfedApi.MANAGED_BY_LABEL, MeshfedApi.MANAGER);
    Map<String, String> encoded = new LinkedHashMap<>();
    data.forEach(
        (k, v) ->
            encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(peer.getMetadata().getNamespace())
        .withLabels(labels)
        .withAnnotations(annotations.isEmpty() ? null : annotations)
        .withOwnerReferences(ownerReference(peer))
        .endMetadata()
        .withType(type)
        .withData(encoded)
        .build();
  }

  public static OwnerReference ownerReference(Peer peer) {
    return new OwnerReferenceBuilder()
        .withApiVersion(MeshfedApi.API_VERSION)
        .withKind("Peer")
        .withName(peer.getMetadata().getName())
        .withUid(peer.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(false)
        .build();
  }
}
