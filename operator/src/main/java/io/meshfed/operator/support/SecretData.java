package io.meshfed.operator.support;

import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Reads a Secret's values as the API server keeps them: {@code stringData} first, then {@code
 * data}.
 */
public final class SecretData {
  private SecretData() {}

  /** The value under {@code key}, decoded; null when the Secret has none. */
  public static String read(Secret secret, String key) {
    if (secret.getStringData() != null && secret.getStringData().containsKey(key)) {
      return secret.getStringData().get(key);
    }
    if (secret.getData() == null || secret.getData().get(key) == null) {
      return null;
    }
    return new String(
        Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
  }
}
