package io.meshfed.operator.netmap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.OptionalLong;

/**
 * What makes a map version mean the same on every operator process (decision 0025): a digest of the
 * map's shared part — its members and its workloads — as the sum of one hash per item. A sum does
 * not depend on the order the items arrived in, so two processes that publish the same members and
 * workloads, each from its own watch and in its own versions, reach the same digest, and either can
 * answer an agent with only what changed since. Pure: the bytes hashed are the items' JSON with
 * sorted map keys.
 */
public final class MapDigest {
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private MapDigest() {}

  /** One item's share of the digest: {@code kind} keeps a peer and a workload of one name apart. */
  static long of(String kind, String name, Object value) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(kind.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(name.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(JSON.writeValueAsBytes(value));
      return ByteBuffer.wrap(sha.digest()).getLong();
    } catch (NoSuchAlgorithmException | JsonProcessingException e) {
      throw new IllegalStateException("cannot digest " + kind + " " + name, e);
    }
  }

  /** As written in a version token: 16 hex digits. */
  static String format(long digest) {
    return String.format("%016x", digest);
  }

  /** The digest of a token's last part; empty when it is not one. */
  static OptionalLong parse(String hex) {
    if (hex.length() != 16) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseUnsignedLong(hex, 16));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }
}
