package io.meshfed.agent;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts the agent API's CA by hash, as kubeadm's discovery does: the server's chain must hold a
 * certificate whose public key (SubjectPublicKeyInfo) hashes to a pinned SHA-256, and the server
 * certificate must chain to it and name the host, checked by the JDK's own PKIX trust manager with
 * that one CA as its only anchor. The pins can change while connections are made (a CA rotation's
 * bundle): each handshake checks the pins of that moment.
 */
public final class PinnedTrust extends X509ExtendedTrustManager {
  private volatile Set<String> pins;

  private PinnedTrust(Collection<String> caHashes) {
    repin(caHashes);
  }

  /** A trust manager for this pin ({@code sha256:<64 hex digits>}). */
  public static PinnedTrust of(String caHash) {
    return new PinnedTrust(List.of(caHash));
  }

  /** A trust manager for any of these pins. */
  public static PinnedTrust of(Collection<String> caHashes) {
    return new PinnedTrust(caHashes);
  }

  /** Trusts these CAs from the next handshake on, and no others. */
  public void repin(Collection<String> caHashes) {
    if (caHashes.isEmpty()) {
      throw new IllegalArgumentException("at least one CA must be pinned");
    }
    Set<String> next = new LinkedHashSet<>();
    for (String caHash : caHashes) {
      if (!caHash.startsWith("sha256:") || caHash.length() != 7 + 64) {
        throw new IllegalArgumentException(
            "--ca-hash must be sha256:<64 hex digits>, got " + caHash);
      }
      next.add(caHash.substring(7).toLowerCase(Locale.ROOT));
    }
    this.pins = Set.copyOf(next);
  }

  public static SSLContext context(String caHash) {
    return context(of(caHash));
  }

  public static SSLContext context(PinnedTrust trust) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {trust}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String hashOf(X509Certificate certificate) {
    try {
      return "sha256:"
          + HexFormat.of()
              .formatHex(
                  MessageDigest.getInstance("SHA-256")
                      .digest(certificate.getPublicKey().getEncoded()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private X509ExtendedTrustManager anchoredAtPin(X509Certificate[] chain)
      throws CertificateException {
    Set<String> pinned = pins;
    for (X509Certificate candidate : chain) {
      if (pinned.contains(hashOf(candidate).substring(7))) {
        try {
          KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
          anchors.load(null, null);
          anchors.setCertificateEntry("pinned-ca", candidate);
          TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
          factory.init(anchors);
          return (X509ExtendedTrustManager) factory.getTrustManagers()[0];
        } catch (Exception e) {
          throw new CertificateException("cannot use the pinned CA", e);
        }
      }
    }
    throw new CertificateException(
        "the server's certificate chain holds no CA with a pinned hash (sha256:"
            + String.join(", sha256:", pinned)
            + "); is --ca-hash right and is this the meshfed agent API?");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    anchoredAtPin(chain).checkServerTrusted(chain, authType, engine);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    anchoredAtPin(chain).checkServerTrusted(chain, authType, socket);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    anchoredAtPin(chain).checkServerTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("the agent is never a TLS server");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    throw new CertificateException("the agent is never a TLS server");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("the agent is never a TLS server");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
