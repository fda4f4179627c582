package io.meshfed.operator.server;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent API's CAs: the one that signs the serving certificate now, and every one agents should
 * trust (it first). Hashes are the {@code sha256:…} pins agents keep.
 */
public record TrustBundle(X509Certificate signing, List<X509Certificate> trusted) {
  public TrustBundle {
    trusted = List.copyOf(trusted);
    if (trusted.isEmpty() || !trusted.get(0).equals(signing)) {
      throw new IllegalArgumentException("the signing CA comes first in the bundle");
    }
  }

  /**
   * A user's {@code ca.crt} bundle: the CA that verifies the serving certificate signs, every CA of
   * the bundle is trusted; the first one when none verifies it (the server then fails the agents'
   * checks, as it would without a bundle).
   */
  public static TrustBundle signingFirst(List<X509Certificate> cas, X509Certificate serving) {
    X509Certificate signing =
        cas.stream().filter(ca -> verifies(ca, serving)).findFirst().orElse(cas.get(0));
    List<X509Certificate> trusted = new ArrayList<>(List.of(signing));
    cas.stream().filter(ca -> !ca.equals(signing)).forEach(trusted::add);
    return new TrustBundle(signing, trusted);
  }

  public String signingHash() {
    return Certificates.publicKeyHash(signing);
  }

  /** The pins, the signing CA's first, without repeats. */
  public List<String> hashes() {
    return trusted.stream().map(Certificates::publicKeyHash).distinct().toList();
  }

  private static boolean verifies(X509Certificate ca, X509Certificate serving) {
    try {
      serving.verify(ca.getPublicKey());
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
