package io.meshfed.operator.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.api.v1alpha1.WorkloadEnvVar;
import io.meshfed.api.v1alpha1.WorkloadStatus;
import io.meshfed.api.v1alpha1.WorkloadTemplate;
import io.meshfed.operator.directory.ReferencedSecrets;
import io.meshfed.operator.netmap.MapLog;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A workload's templates as agents run them: env values and registry credentials read from the
 * Secrets they name (through the watch of referenced Secrets), and the workload's part of the
 * network map built from its status. The Workload reconciler uses it on the leader; a standby
 * serving agents builds the same map from the status the leader wrote ({@link WorkloadMapFeed}).
 */
@Singleton
public class TemplateResolver {
  private final ReferencedSecrets secrets;

  public TemplateResolver(ReferencedSecrets secrets) {
    this.secrets = secrets;
  }

  /**
   * The workload's replicas and names in the map: each placement runs its revision's template (the
   * update's, resolved as {@code update}; a kept older one's, resolved now, once per revision).
   */
  public MapLog.WorkloadMap mapOf(
      Workload workload, WorkloadStatus status, String domain, Resolution update) {
    String namespace = workload.getMetadata().getNamespace();
    WorkloadTemplate updateTemplate = Templates.of(workload);
    String updateRevision = Templates.revision(updateTemplate);
    List<WorkloadTemplate.Revision> kept = status.getRevisions();
    Map<String, Optional<WorkloadStatusBuilder.Resolved>> byRevision = new HashMap<>();
    byRevision.put(updateRevision, update.resolved());
    return WorkloadStatusBuilder.map(
        workload,
        status,
        revision ->
            byRevision.computeIfAbsent(
                revision == null ? updateRevision : revision,
                r ->
                    Templates.find(r, updateRevision, updateTemplate, kept)
                        .flatMap(template -> resolve(namespace, template).resolved())),
        domain);
  }

  /** A template with its env's values and pull credentials read, or why it cannot be. */
  public record Resolution(
      Optional<WorkloadStatusBuilder.Resolved> resolved,
      Optional<WorkloadStatusBuilder.Unresolved> unresolved) {}

  /** The template with its env's values and pull credentials read now, or why it cannot be. */
  public Resolution resolve(String namespace, WorkloadTemplate template) {
    Map<String, String> env = new LinkedHashMap<>();
    Optional<String> envProblem = resolveEnv(namespace, template, env);
    if (envProblem.isPresent()) {
      return unresolved(WorkloadStatusBuilder.ENV_NOT_RESOLVED, envProblem.get());
    }
    StringBuilder registryAuth = new StringBuilder();
    Optional<String> secretProblem = resolvePullSecrets(namespace, template, registryAuth);
    if (secretProblem.isPresent()) {
      return unresolved(WorkloadStatusBuilder.IMAGE_PULL_SECRET_NOT_RESOLVED, secretProblem.get());
    }
    return new Resolution(
        Optional.of(
            new WorkloadStatusBuilder.Resolved(
                template, env, registryAuth.isEmpty() ? null : registryAuth.toString())),
        Optional.empty());
  }

  private static Resolution unresolved(String reason, String message) {
    return new Resolution(
        Optional.empty(), Optional.of(new WorkloadStatusBuilder.Unresolved(reason, message)));
  }

  /**
   * Literal values as they are; Secret references read now. Empty when all resolved, else why not.
   */
  private Optional<String> resolveEnv(
      String namespace, WorkloadTemplate template, Map<String, String> env) {
    if (template.getEnv() == null) {
      return Optional.empty();
    }
    for (WorkloadEnvVar variable : template.getEnv()) {
      if (variable.getSecretKeyRef() == null) {
        env.put(variable.getName(), Objects.requireNonNullElse(variable.getValue(), ""));
        continue;
      }
      var ref = variable.getSecretKeyRef();
      Secret secret = secrets.get(namespace, ref.getName()).orElse(null);
      String encoded =
          secret == null || secret.getData() == null ? null : secret.getData().get(ref.getKey());
      if (encoded == null) {
        return Optional.of(
            "env "
                + variable.getName()
                + ": "
                + (secret == null
                    ? "Secret " + ref.getName() + " does not exist"
                    : "Secret " + ref.getName() + " has no key " + ref.getKey())
                + "; replicas start once it does");
      }
      env.put(
          variable.getName(),
          new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8));
    }
    return Optional.empty();
  }

  /**
   * The imagePullSecrets' registry credentials merged into one containers-auth.json document
   * (written into {@code auth}); empty when all resolved, else why not. Read from the cache of
   * referenced Secrets, as env's are.
   */
  private Optional<String> resolvePullSecrets(
      String namespace, WorkloadTemplate template, StringBuilder auth) {
    List<LocalObjectReference> refs = template.getImagePullSecrets();
    if (refs == null || refs.isEmpty()) {
      return Optional.empty();
    }
    ObjectNode auths = JSON.createObjectNode();
    for (LocalObjectReference ref : refs) {
      Secret secret =
          ref.getName() == null ? null : secrets.get(namespace, ref.getName()).orElse(null);
      String encoded =
          secret == null || secret.getData() == null
              ? null
              : secret.getData().get(DOCKER_CONFIG_JSON);
      if (secret == null) {
        return Optional.of(
            "imagePullSecrets: Secret "
                + ref.getName()
                + " does not exist; replicas start once it does");
      }
      if (!DOCKER_CONFIG_JSON_TYPE.equals(secret.getType()) || encoded == null) {
        return Optional.of(
            "imagePullSecrets: Secret "
                + ref.getName()
                + " is not of type "
                + DOCKER_CONFIG_JSON_TYPE
                + " with a "
                + DOCKER_CONFIG_JSON
                + " key");
      }
      try {
        JsonNode config = JSON.readTree(Base64.getDecoder().decode(encoded));
        if (!config.path("auths").isObject()) {
          throw new IOException("no auths object");
        }
        config.path("auths").fields().forEachRemaining(e -> auths.set(e.getKey(), e.getValue()));
      } catch (IOException | IllegalArgumentException e) {
        // never the content: it is a credential
        return Optional.of(
            "imagePullSecrets: Secret "
                + ref.getName()
                + " holds no docker config JSON with auths");
      }
    }
    auth.append(JSON.createObjectNode().set("auths", auths).toString());
    return Optional.empty();
  }

  static final String DOCKER_CONFIG_JSON = ".dockerconfigjson";
  static final String DOCKER_CONFIG_JSON_TYPE = "kubernetes.io/dockerconfigjson";
  private static final ObjectMapper JSON = new ObjectMapper();
}
