package io.meshfed.operator.server;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.operator.config.MeshfedConfig;
import io.meshfed.operator.support.SecretData;
import io.quarkus.tls.runtime.KeyStoreAndKeyCertOptions;
import io.quarkus.tls.runtime.KeyStoreProvider;
import io.smallrye.common.annotation.Identifier;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.net.URI;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The agent API's TLS material, handed to Quarkus' TLS registry as the {@code agent-api}
 * configuration. Either a Secret the user names (cert-manager's, say), or the operator's own: a CA
 * and a serving certificate it makes once and keeps in Secrets, so every replica and every restart
 * serves the same CA and the hash pinned in join commands stays valid.
 */
@Singleton
@Identifier("agent-api")
public class AgentApiTls implements KeyStoreProvider {
  private static final Logger LOG = Logger.getLogger(AgentApiTls.class);
  public static final String CA_SECRET = "meshfed-agent-api-ca";
  static final String SERVING_SECRET = "meshfed-agent-api-tls";
  private static final Duration CA_VALIDITY = Duration.ofDays(3650);
  private static final Duration SERVING_VALIDITY = Duration.ofDays(365);
  private static final Duration RENEW_BEFORE = Duration.ofDays(30);

  private final KubernetesClient client;
  private final MeshfedConfig.AgentApi config;
  private final MeshfedConfig.Local local;
  private volatile String caHash;
  private volatile String caPem;

  private final Clock clock;

  public AgentApiTls(KubernetesClient client, MeshfedConfig config, Clock clock) {
    this.clock = clock;
    this.client = client;
    this.config = config.agentApi();
    this.local = config.local();
  }

  /** {@code sha256:…} of the CA: what {@code meshfed-agent join --ca-hash} pins. */
  public String caHash() {
    ensureLoaded();
    return caHash;
  }

  public String caPem() {
    ensureLoaded();
    return caPem;
  }

  private void ensureLoaded() {
    if (caHash == null) {
      getKeyStore(null);
    }
  }

  @Override
  public synchronized KeyStoreAndKeyCertOptions getKeyStore(Vertx vertx) {
    String namespace =
        config
            .tls()
            .namespace()
            .orElseGet(() -> Objects.requireNonNullElse(client.getNamespace(), "default"));
    Served served =
        config
            .tls()
            .secret()
            .map(name -> fromUserSecret(namespace, name))
            .orElseGet(() -> selfManaged(namespace));
    caHash = Certificates.publicKeyHash(served.ca());
    caPem = Certificates.pem(served.ca());
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      var serving = Certificates.parse(served.certificatePem(), served.keyPem());
      store.setKeyEntry(
          "agent-api",
          serving.key(),
          new char[0],
          new Certificate[] {serving.certificate(), served.ca()});
      PemKeyCertOptions options =
          new PemKeyCertOptions()
              .addCertValue(Buffer.buffer(served.certificatePem() + Certificates.pem(served.ca())))
              .addKeyValue(Buffer.buffer(served.keyPem()));
      return new KeyStoreAndKeyCertOptions(store, options);
    } catch (Exception e) {
      throw new IllegalStateException("loading the agent API certificate", e);
    }
  }

  private record Served(X509Certificate ca, String certificatePem, String keyPem) {}

  private Served fromUserSecret(String namespace, String name) {
    Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
    if (secret == null) {
      throw new IllegalStateException(
          "meshfed.agent-api.tls.secret names Secret "
              + namespace
              + "/"
              + name
              + ", which does not exist");
    }
    for (String key : new String[] {"tls.crt", "tls.key", "ca.crt"}) {
      if (secret.getData() == null || !secret.getData().containsKey(key)) {
        throw new IllegalStateException(
            "Secret "
                + namespace
                + "/"
                + name
                + " has no "
                + key
                + "; the agent API needs tls.crt, tls.key and the ca.crt agents pin");
      }
    }
    return new Served(
        Certificates.parseCertificate(SecretData.read(secret, "ca.crt")),
        SecretData.read(secret, "tls.crt"),
        SecretData.read(secret, "tls.key"));
  }

  private Served selfManaged(String namespace) {
    Instant now = clock.instant();
    Secret caSecret =
        createOrGet(
            namespace,
            CA_SECRET,
            () -> {
              Certificates.Issued ca = Certificates.newCa("meshfed-agent-api-ca", now, CA_VALIDITY);
              return Map.of("tls.crt", ca.certificatePem(), "tls.key", ca.keyPem());
            });
    Certificates.Issued ca =
        Certificates.parse(
            SecretData.read(caSecret, "tls.crt"), SecretData.read(caSecret, "tls.key"));
    Set<String> names = wantedNames();
    Secret serving = client.secrets().inNamespace(namespace).withName(SERVING_SECRET).get();
    if (serving == null || !stillGood(serving, ca, names, now)) {
      Certificates.Issued issued = Certificates.newServing(ca, names, now, SERVING_VALIDITY);
      Secret fresh =
          tlsSecret(
              namespace,
              SERVING_SECRET,
              Map.of(
                  "tls.crt",
                  issued.certificatePem(),
                  "tls.key",
                  issued.keyPem(),
                  "ca.crt",
                  ca.certificatePem()));
      if (serving == null) {
        serving = createOrGet(namespace, SERVING_SECRET, () -> fresh.getStringData());
      } else {
        fresh.getMetadata().setResourceVersion(serving.getMetadata().getResourceVersion());
        serving = client.secrets().inNamespace(namespace).resource(fresh).update();
      }
      LOG.infof("agent API serving certificate for %s", names);
    }
    return new Served(
        ca.certificate(), SecretData.read(serving, "tls.crt"), SecretData.read(serving, "tls.key"));
  }

  /** Signed by this CA, not near its end, and valid for every name we answer to. */
  private static boolean stillGood(
      Secret secret, Certificates.Issued ca, Set<String> names, Instant now) {
    try {
      X509Certificate certificate =
          Certificates.parseCertificate(SecretData.read(secret, "tls.crt"));
      certificate.verify(ca.certificate().getPublicKey());
      return certificate.getNotAfter().toInstant().isAfter(now.plus(RENEW_BEFORE))
          && Certificates.subjectAltNames(certificate).containsAll(names);
    } catch (Exception e) {
      return false;
    }
  }

  /** localhost, this host, the configured endpoint's host and any configured extra names. */
  private Set<String> wantedNames() {
    Set<String> names = new LinkedHashSet<>();
    names.add("localhost");
    names.add("127.0.0.1");
    try {
      names.add(InetAddress.getLocalHost().getHostName());
    } catch (Exception e) {
      // no resolvable host name: the others still serve
    }
    config.endpoint().map(URI::create).map(URI::getHost).ifPresent(names::add);
    config.tls().subjectAltNames().ifPresent(names::addAll);
    if (local.enabled()) {
      // local machines reach this host at their bridge's address
      names.add(local.bridgeAddress().substring(0, local.bridgeAddress().indexOf('/')));
    }
    Optional.ofNullable(System.getenv("POD_IP")).ifPresent(names::add);
    return names;
  }

  private Secret createOrGet(String namespace, String name, Supplier<Map<String, String>> data) {
    Secret existing = client.secrets().inNamespace(namespace).withName(name).get();
    if (existing != null) {
      return existing;
    }
    try {
      return client
          .secrets()
          .inNamespace(namespace)
          .resource(tlsSecret(namespace, name, data.get()))
          .create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        // another replica made it first: use theirs, so everyone serves one CA
        return client.secrets().inNamespace(namespace).withName(name).get();
      }
      throw e;
    }
  }

  private static Secret tlsSecret(String namespace, String name, Map<String, String> data) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .withLabels(Map.of(MeshfedApi.MANAGED_BY_LABEL, MeshfedApi.MANAGER))
        .endMetadata()
        .withType("kubernetes.io/tls")
        .withStringData(data)
        .build();
  }
}
