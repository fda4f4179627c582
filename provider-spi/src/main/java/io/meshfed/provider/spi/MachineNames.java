package io.meshfed.provider.spi;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Names derived from a machine's idempotency key, for clouds where the name is what makes a create
 * idempotent (GCE, Azure): the same for every call about one machine, different for its
 * replacement, readable, and within the cloud's length limit.
 */
public final class MachineNames {
  private MachineNames() {}

  /** {@code mf-<peer name, at most maxBase characters>-<8 hex of the key>}, lowercase. */
  public static String of(String peerName, String idempotencyKey, int maxBase) {
    String base = peerName.toLowerCase().replaceAll("[^a-z0-9-]", "-");
    if (base.length() > maxBase) {
      base = base.substring(0, maxBase);
    }
    return "mf-" + base.replaceAll("-+$", "") + "-" + sha256Hex(idempotencyKey).substring(0, 8);
  }

  public static String sha256Hex(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
