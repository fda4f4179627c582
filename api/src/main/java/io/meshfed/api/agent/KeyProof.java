package io.meshfed.api.agent;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Base64;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Proof that a joining agent holds the private key of the WireGuard public key it claims, without
 * the key leaving the machine: the operator hands out an ephemeral X25519 public key with a
 * challenge, the agent answers with a MAC keyed by the Diffie-Hellman secret of its private key and
 * that ephemeral key. Only the holder of the private key (or of the ephemeral one, which never
 * leaves the operator) can compute it. The MAC covers the challenge, the claimed key, the name and
 * the token, so a proof is good for that one request only.
 *
 * <p>Keys are WireGuard's: 32 raw bytes (RFC 7748), base64.
 */
public final class KeyProof {
  private static final String CONTEXT = "meshfed join proof v1";
  private static final byte[] BASE_POINT = new byte[32];

  static {
    BASE_POINT[0] = 9;
  }

  private KeyProof() {}

  /** A new private key, as {@code wg genkey} makes one. */
  public static String newPrivateKey() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    clamp(key);
    return Base64.getEncoder().encodeToString(key);
  }

  /** The public key of a private key, as {@code wg pubkey} computes it. */
  public static String publicKeyOf(String privateKey) {
    return Base64.getEncoder().encodeToString(x25519(decode(privateKey), BASE_POINT));
  }

  /** The public key of a raw private key (e.g. the operator's ephemeral one). */
  public static String publicKeyOf(byte[] privateKey) {
    return Base64.getEncoder().encodeToString(x25519(privateKey, BASE_POINT));
  }

  /** The agent's answer to a challenge, for this request. */
  public static String prove(String privateKey, JoinChallenge challenge, JoinRequest request) {
    byte[] shared = x25519(decode(privateKey), decode(challenge.publicKey()));
    return Base64.getEncoder().encodeToString(mac(shared, challenge.challenge(), request));
  }

  /** Whether the request's proof was made with the private key of its public key. */
  public static boolean verify(byte[] ephemeralPrivateKey, JoinRequest request) {
    if (request.proof() == null || request.challenge() == null) {
      return false;
    }
    byte[] given;
    try {
      given = Base64.getDecoder().decode(request.proof());
    } catch (IllegalArgumentException e) {
      return false;
    }
    byte[] shared = x25519(ephemeralPrivateKey, decode(request.publicKey()));
    return MessageDigest.isEqual(given, mac(shared, request.challenge(), request));
  }

  private static byte[] mac(byte[] shared, String challenge, JoinRequest request) {
    try {
      byte[] key =
          MessageDigest.getInstance("SHA-256")
              .digest(concat(CONTEXT.getBytes(StandardCharsets.UTF_8), shared));
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      String tokenHash =
          request.token() == null
              ? ""
              : Base64.getEncoder()
                  .encodeToString(
                      MessageDigest.getInstance("SHA-256")
                          .digest(request.token().getBytes(StandardCharsets.UTF_8)));
      String message =
          String.join(
              "\n",
              CONTEXT,
              challenge,
              request.publicKey(),
              request.name() == null ? "" : request.name(),
              tokenHash);
      return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks SHA-256 or HMAC-SHA256", e);
    }
  }

  /** X25519 (RFC 7748) of a scalar and a u-coordinate, both 32 little-endian bytes. */
  static byte[] x25519(byte[] scalar, byte[] u) {
    if (scalar.length != 32 || u.length != 32) {
      throw new IllegalArgumentException("X25519 keys are 32 bytes");
    }
    try {
      KeyFactory keys = KeyFactory.getInstance("XDH");
      byte[] reversed = new byte[32];
      for (int i = 0; i < 32; i++) {
        reversed[i] = u[31 - i];
      }
      reversed[0] &= 0x7f; // RFC 7748: the top bit of the u-coordinate is ignored
      var agreement = KeyAgreement.getInstance("XDH");
      agreement.init(
          keys.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar.clone())));
      agreement.doPhase(
          keys.generatePublic(
              new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(1, reversed))),
          true);
      return agreement.generateSecret();
    } catch (GeneralSecurityException e) {
      // a low-order point gives an all-zero secret, which the JDK refuses: not a usable key
      throw new IllegalArgumentException("not a usable X25519 key: " + e.getMessage(), e);
    }
  }

  private static byte[] decode(String key) {
    byte[] raw = Base64.getDecoder().decode(key);
    if (raw.length != 32) {
      throw new IllegalArgumentException("a WireGuard key is 32 bytes, base64");
    }
    return raw;
  }

  private static void clamp(byte[] key) {
    key[0] &= (byte) 248;
    key[31] &= 127;
    key[31] |= 64;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] all = new byte[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
