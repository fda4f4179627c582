package io.meshfed.operator.workload;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.api.v1alpha1.WorkloadTemplate;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** A Workload's template (what its replicas run) and its revision: a hash of it. Pure. */
public final class Templates {
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .configure(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY, true)
          .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
          .build();

  private Templates() {}

  /** The template as the spec says it now (its fields only: a scale is not a new revision). */
  public static WorkloadTemplate of(Workload workload) {
    return WorkloadTemplate.copyOf(workload.getSpec());
  }

  /** Ten hex digits of the template's SHA-256, over its JSON with sorted keys. */
  public static String revision(WorkloadTemplate template) {
    try {
      byte[] json = JSON.writeValueAsBytes(template);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json), 0, 5);
    } catch (JsonProcessingException | NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The template of a revision: the spec's, or one that status keeps. */
  public static Optional<WorkloadTemplate> find(
      String revision,
      String updateRevision,
      WorkloadTemplate update,
      List<WorkloadTemplate.Revision> kept) {
    if (revision == null || revision.equals(updateRevision)) {
      return Optional.of(update);
    }
    return kept == null
        ? Optional.empty()
        : kept.stream()
            .filter(r -> revision.equals(r.getName()))
            .map(WorkloadTemplate.Revision::getTemplate)
            .findFirst();
  }
}
