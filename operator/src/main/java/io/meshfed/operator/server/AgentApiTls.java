package io.meshfed.operator.server;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.meshfed.api.v1alpha1.MeshfedApi;
import io.meshfed.operator.config.MeshfedConfig;
import io.meshfed.operator.support.DaemonThreads;
import io.meshfed.operator.support.SecretData;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.tls.CertificateUpdatedEvent;
import io.quarkus.tls.TlsConfiguration;
import io.quarkus.tls.TlsConfigurationRegistry;
import io.quarkus.tls.runtime.KeyStoreAndKeyCertOptions;
import io.quarkus.tls.runtime.KeyStoreProvider;
import io.smallrye.common.annotation.Identifier;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The agent API's TLS material, handed to Quarkus' TLS registry as the {@code agent-api}
 * configuration. Either a Secret the user names (cert-manager's, say), or the operator's own: a CA
 * and a serving certificate it makes once and keeps in Secrets, so every replica and every restart
 * serves the same CA and the hash pinned in join commands stays valid.
 *
 * <p>Every replica watches those Secrets and serves what they hold now: a rotated CA or a renewed
 * certificate (cert-manager's included) is served without a restart. The trust bundle agents pin is
 * the CA that signs plus, during a rotation ({@link CaRotation}), the next one; with a user's
 * Secret, every CA of its {@code ca.crt}.
 */
@Singleton
@Identifier("agent-api")
public class AgentApiTls implements KeyStoreProvider {
  private static final Logger LOG = Logger.getLogger(AgentApiTls.class);
  public static final String CA_SECRET = MeshfedApi.AGENT_API_CA_SECRET;
  static final String SERVING_SECRET = "meshfed-agent-api-tls";

  /** On the CA Secret: any value asks for a rotation. */
  public static final String ROTATE_ANNOTATION = MeshfedApi.ROTATE_CA_ANNOTATION;

  /** On the CA Secret: when the next CA was made (it stays until it signs). */
  static final String NEXT_SINCE_ANNOTATION = "meshfed.io/ca-next-since";

  static final String NEXT_CERTIFICATE = "next.crt";
  static final String NEXT_KEY = "next.key";
  private static final String TLS_CONFIGURATION = "agent-api";
  private static final Duration CA_VALIDITY = Duration.ofDays(3650);
  private static final Duration SERVING_VALIDITY = Duration.ofDays(365);
  private static final Duration RENEW_BEFORE = Duration.ofDays(30);

  private final KubernetesClient client;
  private final MeshfedConfig.AgentApi config;
  private final MeshfedConfig.Local local;
  private volatile TrustBundle bundle;

  /** Derived from the serving key: the same on every replica, known to no one else. */
  private volatile byte[] replicaSecret;

  private final Clock clock;
  private final Instance<TlsConfigurationRegistry> registry;
  private final Event<CertificateUpdatedEvent> updated;

  /** The resourceVersion of each Secret as last served: a watch event with another reloads. */
  private final Map<String, String> servedVersions = new ConcurrentHashMap<>();

  private final List<Runnable> bundleListeners = new CopyOnWriteArrayList<>();
  private final List<SharedIndexInformer<Secret>> informers = new ArrayList<>();
  private final ExecutorService reloads =
      Executors.newSingleThreadExecutor(DaemonThreads.named("agent-api-tls-reload"));

  public AgentApiTls(
      KubernetesClient client,
      MeshfedConfig config,
      Clock clock,
      Instance<TlsConfigurationRegistry> registry,
      Event<CertificateUpdatedEvent> updated,
      MeterRegistry metrics) {
    Gauge.builder(CA_EXPIRY, this, AgentApiTls::signingCaExpiry)
        .description("When the agent API's signing CA expires, seconds since the epoch")
        .baseUnit("seconds")
        .register(metrics);
    this.clock = clock;
    this.client = client;
    this.config = config.agentApi();
    this.local = config.local();
    this.registry = registry;
    this.updated = updated;
  }

  static final String CA_EXPIRY = "meshfed.agent.api.ca.expiry";

  private double signingCaExpiry() {
    try {
      return bundle().signing().getNotAfter().toInstant().getEpochSecond();
    } catch (RuntimeException notYet) {
      return Double.NaN; // no CA loaded yet: no sample
    }
  }

  /** {@code sha256:…} of the CA that signs: what {@code meshfed-agent join --ca-hash} pins. */
  public String caHash() {
    return bundle().signingHash();
  }

  /** The CA that signs, PEM: what a joining machine fetches and checks against its pin. */
  public String caPem() {
    return Certificates.pem(bundle().signing());
  }

  /** The CAs agents should trust now. */
  public TrustBundle bundle() {
    if (bundle == null) {
      getKeyStore(null);
    }
    return bundle;
  }

  /** Tells {@code listener} whenever the trust bundle changes (on any thread). */
  public void onBundleChange(Runnable listener) {
    bundleListeners.add(listener);
  }

  /**
   * A secret every replica shares and nobody else holds — a hash of the serving certificate's key,
   * which all replicas serve — for what one replica hands out and another checks (join challenges).
   * It changes when the certificate is renewed.
   */
  public byte[] replicaSecret() {
    byte[] secret = replicaSecret;
    if (secret == null) {
      throw new IllegalStateException("the agent API serves no certificate yet");
    }
    return secret;
  }

  /** Whether the operator makes and rotates the CA itself (no user Secret is configured). */
  public boolean selfManaged() {
    return config.tls().secret().isEmpty();
  }

  void watch(@Observes StartupEvent start) {
    String namespace = namespace();
    List<String> names =
        config.tls().secret().map(List::of).orElse(List.of(CA_SECRET, SERVING_SECRET));
    for (String name : names) {
      informers.add(
          client.secrets().inNamespace(namespace).withName(name).inform(reloadOnChange(), 0));
    }
  }

  void stop(@Observes ShutdownEvent stop) {
    informers.forEach(SharedIndexInformer::close);
    reloads.shutdownNow();
  }

  /** The CA Secret as the watch last saw it; empty with a user's Secret or before it exists. */
  public Optional<Secret> caSecret() {
    return informers.stream()
        .map(i -> i.getStore().getByKey(namespace() + "/" + CA_SECRET))
        .filter(Objects::nonNull)
        .findFirst();
  }

  private ResourceEventHandler<Secret> reloadOnChange() {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(Secret secret) {
        reloadIfNew(secret);
      }

      @Override
      public void onUpdate(Secret before, Secret after) {
        reloadIfNew(after);
      }

      @Override
      public void onDelete(Secret secret, boolean unknownFinalState) {
        // made again at the next reload; until then the certificate in memory serves
      }
    };
  }

  private void reloadIfNew(Secret secret) {
    String version = secret.getMetadata().getResourceVersion();
    if (!version.equals(servedVersions.get(secret.getMetadata().getName()))) {
      reloads.execute(this::reload);
    }
  }

  /**
   * Loads the Secrets again and serves them: Quarkus' HTTP server takes the new options on {@link
   * CertificateUpdatedEvent} without dropping connections. Runs off the event loop (the server
   * waits for the update).
   */
  private void reload() {
    TrustBundle before = bundle;
    try {
      TlsConfiguration configuration =
          registry.get().get(TLS_CONFIGURATION).orElseThrow(IllegalStateException::new);
      if (configuration.reload()) {
        updated.fire(new CertificateUpdatedEvent(TLS_CONFIGURATION, configuration));
      }
    } catch (RuntimeException e) {
      LOG.errorf(e, "reloading the agent API certificate; serving the previous one");
      return;
    }
    if (before != null && !before.hashes().equals(bundle.hashes())) {
      LOG.infof("agent API trust bundle: %s (signing: %s)", bundle.hashes(), bundle.signingHash());
      bundleListeners.forEach(Runnable::run);
    }
  }

  private String namespace() {
    return config
        .tls()
        .namespace()
        .orElseGet(() -> Objects.requireNonNullElse(client.getNamespace(), "default"));
  }

  @Override
  public synchronized KeyStoreAndKeyCertOptions getKeyStore(Vertx vertx) {
    String namespace = namespace();
    Served served =
        config
            .tls()
            .secret()
            .map(name -> fromUserSecret(namespace, name))
            .orElseGet(() -> selfManaged(namespace));
    bundle = served.bundle();
    replicaSecret = Certificates.sha256(("meshfed replicas\n" + served.keyPem()).getBytes(UTF_8));
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

  private record Served(TrustBundle bundle, String certificatePem, String keyPem) {
    X509Certificate ca() {
      return bundle.signing();
    }
  }

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
    servedVersions.put(name, secret.getMetadata().getResourceVersion());
    String certificate = SecretData.read(secret, "tls.crt");
    return new Served(
        TrustBundle.signingFirst(
            Certificates.parseAll(SecretData.read(secret, "ca.crt")),
            Certificates.parseCertificate(certificate)),
        certificate,
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
    servedVersions.put(CA_SECRET, caSecret.getMetadata().getResourceVersion());
    Certificates.Issued ca =
        Certificates.parse(
            SecretData.read(caSecret, "tls.crt"), SecretData.read(caSecret, "tls.key"));
    List<X509Certificate> trusted = new ArrayList<>(List.of(ca.certificate()));
    Optional.ofNullable(SecretData.read(caSecret, NEXT_CERTIFICATE))
        .map(Certificates::parseCertificate)
        .ifPresent(trusted::add);
    Secret serving = servingCertificate(namespace, ca, now);
    servedVersions.put(SERVING_SECRET, serving.getMetadata().getResourceVersion());
    return new Served(
        new TrustBundle(ca.certificate(), trusted),
        SecretData.read(serving, "tls.crt"),
        SecretData.read(serving, "tls.key"));
  }

  /**
   * The serving Secret, issued again when it is not this CA's, near its end or short of a name.
   * Replicas that race to issue it settle on the first one written (a conflict re-reads).
   */
  private Secret servingCertificate(String namespace, Certificates.Issued ca, Instant now) {
    Set<String> names = wantedNames();
    for (int attempt = 0; ; attempt++) {
      Secret serving = client.secrets().inNamespace(namespace).withName(SERVING_SECRET).get();
      if (serving != null && stillGood(serving, ca, names, now)) {
        return serving;
      }
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
      try {
        if (serving == null) {
          serving = client.secrets().inNamespace(namespace).resource(fresh).create();
        } else {
          fresh.getMetadata().setResourceVersion(serving.getMetadata().getResourceVersion());
          serving = client.secrets().inNamespace(namespace).resource(fresh).update();
        }
        LOG.infof("agent API serving certificate for %s", names);
        return serving;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 3) {
          throw e;
        }
        // another replica wrote it first: take theirs if it serves
      }
    }
  }

  /**
   * Makes the next CA and announces it: agents add it to what they trust; it signs only once
   * promoted. Nothing when one is already announced or the Secret changed meanwhile (409: the next
   * check sees the new state).
   */
  public void introduceNextCa(Instant now) {
    editCaSecret(
        secret -> {
          if (SecretData.read(secret, NEXT_CERTIFICATE) != null) {
            return false;
          }
          Certificates.Issued next =
              Certificates.newCa("meshfed-agent-api-ca-" + now.getEpochSecond(), now, CA_VALIDITY);
          Map<String, String> data = new LinkedHashMap<>(secret.getData());
          data.put(NEXT_CERTIFICATE, base64(next.certificatePem()));
          data.put(NEXT_KEY, base64(next.keyPem()));
          secret.setData(data);
          annotations(secret).put(NEXT_SINCE_ANNOTATION, now.toString());
          return true;
        });
  }

  /** The next CA signs from now on; the old one leaves the bundle. */
  public void promoteNextCa() {
    editCaSecret(
        secret -> {
          Map<String, String> data = new LinkedHashMap<>(secret.getData());
          if (data.get(NEXT_CERTIFICATE) == null || data.get(NEXT_KEY) == null) {
            return false;
          }
          data.put("tls.crt", data.remove(NEXT_CERTIFICATE));
          data.put("tls.key", data.remove(NEXT_KEY));
          secret.setData(data);
          annotations(secret).remove(NEXT_SINCE_ANNOTATION);
          annotations(secret).remove(ROTATE_ANNOTATION);
          return true;
        });
  }

  /**
   * Where a rotation of the CA in this Secret stands. A {@value #NEXT_SINCE_ANNOTATION} that is no
   * time (someone edited it) counts from now: the rotation still completes.
   */
  public static CaRotationPlan.State rotationState(Secret caSecret, Instant now) {
    Map<String, String> annotations =
        Objects.requireNonNullElse(caSecret.getMetadata().getAnnotations(), Map.of());
    Optional<Instant> nextSince = Optional.empty();
    if (SecretData.read(caSecret, NEXT_CERTIFICATE) != null) {
      try {
        nextSince = Optional.of(Instant.parse(annotations.get(NEXT_SINCE_ANNOTATION)));
      } catch (RuntimeException e) {
        nextSince = Optional.of(now);
      }
    }
    return new CaRotationPlan.State(
        Certificates.parseCertificate(SecretData.read(caSecret, "tls.crt"))
            .getNotAfter()
            .toInstant(),
        annotations.containsKey(ROTATE_ANNOTATION),
        nextSince);
  }

  /** The pin of the next CA a CA Secret announces, if any. */
  public static Optional<String> nextCaHash(Secret caSecret) {
    return Optional.ofNullable(SecretData.read(caSecret, NEXT_CERTIFICATE))
        .map(Certificates::parseCertificate)
        .map(Certificates::publicKeyHash);
  }

  private interface SecretEdit {
    boolean apply(Secret secret);
  }

  private void editCaSecret(SecretEdit edit) {
    Secret secret = client.secrets().inNamespace(namespace()).withName(CA_SECRET).get();
    if (secret == null || secret.getData() == null || !edit.apply(secret)) {
      return;
    }
    try {
      client
          .secrets()
          .inNamespace(namespace())
          .resource(secret)
          .update(); // resourceVersion-checked
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      LOG.debugf("the CA Secret changed meanwhile; the next check sees it");
    }
  }

  private static Map<String, String> annotations(Secret secret) {
    if (secret.getMetadata().getAnnotations() == null) {
      secret.getMetadata().setAnnotations(new HashMap<>());
    }
    return secret.getMetadata().getAnnotations();
  }

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
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
