package io.meshfed.fakes;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * A self-signed certificate for 127.0.0.1, made once per JVM with the JDK's keytool, for fakes of
 * clouds whose clients refuse plain HTTP (Azure's bearer-token policy and MSAL both insist on
 * HTTPS). Clients under test trust it through {@link #trustManager()}; nothing else does.
 */
public final class FakeTls {
  private static final char[] PASSWORD = "meshfed-fake".toCharArray();
  private static volatile FakeTls shared;

  private final KeyStore keyStore;
  private final X509TrustManager trustManager;
  private final SSLContext clientContext;

  private FakeTls(KeyStore keyStore) throws Exception {
    this.keyStore = keyStore;
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    Certificate certificate = keyStore.getCertificate("fake");
    trust.setCertificateEntry("fake", certificate);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    this.trustManager = (X509TrustManager) tmf.getTrustManagers()[0];
    this.clientContext = SSLContext.getInstance("TLS");
    clientContext.init(null, new TrustManager[] {trustManager}, null);
  }

  public static FakeTls shared() {
    if (shared == null) {
      synchronized (FakeTls.class) {
        if (shared == null) {
          shared = make();
        }
      }
    }
    return shared;
  }

  private static FakeTls make() {
    try {
      Path dir = Files.createTempDirectory("fake-tls");
      Path store = dir.resolve("fake.p12");
      Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
      Process process =
          new ProcessBuilder(
                  keytool.toString(),
                  "-genkeypair",
                  "-alias",
                  "fake",
                  "-keyalg",
                  "EC",
                  "-groupname",
                  "secp256r1",
                  "-dname",
                  "CN=127.0.0.1",
                  "-ext",
                  "SAN=ip:127.0.0.1,dns:localhost",
                  "-validity",
                  "7",
                  "-storetype",
                  "PKCS12",
                  "-keystore",
                  store.toString(),
                  "-storepass",
                  new String(PASSWORD),
                  "-keypass",
                  new String(PASSWORD))
              .redirectErrorStream(true)
              .start();
      String output = new String(process.getInputStream().readAllBytes());
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException("keytool failed: " + output);
      }
      KeyStore keyStore = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(store)) {
        keyStore.load(in, PASSWORD);
      }
      Files.delete(store);
      Files.delete(dir);
      return new FakeTls(keyStore);
    } catch (Exception e) {
      throw new IllegalStateException("making the fakes' TLS certificate", e);
    }
  }

  /** What the fake's server presents. */
  SSLContext serverContext() throws Exception {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keyStore, PASSWORD);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), null, null);
    return context;
  }

  /** Trusts the fakes' certificate and nothing else. */
  public X509TrustManager trustManager() {
    return trustManager;
  }

  public SSLContext clientContext() {
    return clientContext;
  }
}
