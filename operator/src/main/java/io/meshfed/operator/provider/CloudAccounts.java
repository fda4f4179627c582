package io.meshfed.operator.provider;

import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.ProviderType;
import io.meshfed.operator.config.MeshfedConfig;
import io.meshfed.operator.provider.ProviderContexts.MissingCredentialsException;
import io.meshfed.provider.spi.Machine;
import io.meshfed.provider.spi.MachineProvider;
import io.meshfed.provider.spi.MachineRef;
import io.meshfed.provider.spi.ProviderContext;
import io.meshfed.provider.spi.ProviderException;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * A cluster's cloud accounts as a whole: are their credentials good (one cheap call each, cached),
 * which machines tagged for the cluster does no Peer own (deleted after a grace period), and, when
 * the cluster goes, every machine and shared firewall it had.
 */
@Singleton
public class CloudAccounts {
  private static final Logger LOG = Logger.getLogger(CloudAccounts.class);

  /** The outcome of checking one provider's credentials; {@code valid} null when unknown. */
  public record Verdict(Boolean valid, String reason, String message) {}

  private record CachedVerdict(String fingerprint, Verdict verdict, Instant at) {}

  private final ProviderRegistry providers;
  private final ProviderContexts contexts;
  private final MeshfedConfig.Cluster config;
  private final Clock clock;
  private final Map<String, CachedVerdict> verdicts = new ConcurrentHashMap<>();
  private final Map<String, Instant> lastOrphanScan = new ConcurrentHashMap<>();

  /** Machines seen without an owner, for clouds that do not say when a machine was made. */
  private final Map<String, Instant> firstSeenUnowned = new ConcurrentHashMap<>();

  @Inject
  public CloudAccounts(
      ProviderRegistry providers, ProviderContexts contexts, MeshfedConfig config, Clock clock) {
    this(providers, contexts, config.cluster(), clock);
  }

  CloudAccounts(
      ProviderRegistry providers,
      ProviderContexts contexts,
      MeshfedConfig.Cluster config,
      Clock clock) {
    this.providers = providers;
    this.contexts = contexts;
    this.config = config;
    this.clock = clock;
  }

  /**
   * Each configured provider's verdict; a provider's call is repeated only when its Secret or
   * settings change, or after the verify interval.
   */
  public Map<ProviderType, Verdict> verify(MeshCluster cluster) {
    Map<ProviderType, Verdict> result = new LinkedHashMap<>();
    for (ProviderType type : configured(cluster)) {
      result.put(type, verifyOne(cluster, type));
    }
    return result;
  }

  private Verdict verifyOne(MeshCluster cluster, ProviderType type) {
    Optional<MachineProvider> provider = providers.get(type.value());
    if (provider.isEmpty()) {
      return new Verdict(
          false, "ProviderNotInstalled", "this operator has no " + type + " provider");
    }
    ProviderContext context;
    try {
      context = contexts.of(cluster, type);
    } catch (MissingCredentialsException e) {
      return new Verdict(false, "SecretNotFound", e.getMessage());
    }
    String key = cluster.getMetadata().getUid() + "/" + type;
    String fingerprint =
        Integer.toHexString(Objects.hash(context.settings(), context.credentials()));
    Instant now = clock.instant();
    CachedVerdict cached = verdicts.get(key);
    if (cached != null
        && cached.fingerprint().equals(fingerprint)
        && cached.at().plus(recheckOf(cached.verdict())).isAfter(now)) {
      return cached.verdict();
    }
    Verdict verdict;
    try {
      provider.get().verifyCredentials(context);
      verdict = new Verdict(true, "Verified", "the credentials work");
    } catch (ProviderException e) {
      verdict =
          e.isRetryable() && !"InvalidCredentials".equals(e.reason())
              ? new Verdict(null, e.reason(), e.getMessage())
              : new Verdict(false, e.reason(), e.getMessage());
    }
    verdicts.put(key, new CachedVerdict(fingerprint, verdict, now));
    return verdict;
  }

  /** Good credentials are checked rarely; failing or unknown ones soon again. */
  private Duration recheckOf(Verdict verdict) {
    return Boolean.TRUE.equals(verdict.valid())
        ? config.credentialsVerifyInterval()
        : config.credentialsRecheckInterval();
  }

  /** How soon the verdicts want another look. */
  public Duration nextVerification(Map<ProviderType, Verdict> verdicts) {
    return verdicts.values().stream()
        .map(this::recheckOf)
        .min(Duration::compareTo)
        .orElse(config.credentialsVerifyInterval());
  }

  /**
   * Deletes machines tagged for the cluster whose Peer no longer exists and that are older than the
   * grace period (a Peer being created may not be in the cache yet). At most once per scan interval
   * per cluster; returns the number of machines it deleted.
   */
  public int collectOrphans(MeshCluster cluster, Set<String> peerUids) {
    String uid = cluster.getMetadata().getUid();
    Instant now = clock.instant();
    Instant last = lastOrphanScan.get(uid);
    if (last != null && last.plus(config.orphanScanInterval()).isAfter(now)) {
      return 0;
    }
    lastOrphanScan.put(uid, now);
    int deleted = 0;
    for (ProviderType type : configured(cluster)) {
      Optional<MachineProvider> provider = providers.get(type.value());
      if (provider.isEmpty()) {
        continue;
      }
      try {
        ProviderContext context = contexts.of(cluster, type);
        for (Machine machine : provider.get().list(context, uid)) {
          if (machine.state().isGone() || peerUids.contains(machine.peerId())) {
            continue;
          }
          Instant since =
              machine.createdAt() != null
                  ? machine.createdAt()
                  : firstSeenUnowned.computeIfAbsent(machine.providerID(), id -> now);
          if (since.plus(config.orphanGrace()).isAfter(now)) {
            continue;
          }
          LOG.warnf(
              "cluster %s: deleting orphan %s machine %s (its peer %s no longer exists)",
              context.clusterName(), type, machine.providerID(), machine.peerId());
          provider.get().delete(context, refOf(uid, machine));
          firstSeenUnowned.remove(machine.providerID());
          deleted++;
        }
      } catch (ProviderException | MissingCredentialsException e) {
        LOG.infof(
            "cluster %s/%s: orphan scan of %s skipped: %s",
            cluster.getMetadata().getNamespace(),
            cluster.getMetadata().getName(),
            type,
            e.getMessage());
      }
    }
    return deleted;
  }

  /**
   * The cluster is going and has no Peers left: deletes every machine still tagged for it, then
   * what they shared. True once the clouds say nothing of the cluster remains.
   */
  public boolean release(MeshCluster cluster)
      throws ProviderException, MissingCredentialsException {
    String uid = cluster.getMetadata().getUid();
    boolean gone = true;
    for (ProviderType type : configured(cluster)) {
      Optional<MachineProvider> provider = providers.get(type.value());
      if (provider.isEmpty()) {
        continue;
      }
      ProviderContext context = contexts.of(cluster, type);
      var remaining =
          provider.get().list(context, uid).stream().filter(m -> !m.state().isGone()).toList();
      for (Machine machine : remaining) {
        provider.get().delete(context, refOf(uid, machine));
      }
      if (remaining.isEmpty()) {
        provider.get().releaseCluster(context);
      } else {
        gone = false;
      }
    }
    if (gone) {
      verdicts.keySet().removeIf(k -> k.startsWith(uid + "/"));
      lastOrphanScan.remove(uid);
    }
    return gone;
  }

  private static MachineRef refOf(String clusterId, Machine machine) {
    return new MachineRef(clusterId, machine.peerId(), null, machine.providerID(), null, null);
  }

  private static Set<ProviderType> configured(MeshCluster cluster) {
    return cluster.getSpec().getProviders() == null
        ? Set.of()
        : cluster.getSpec().getProviders().configured().keySet();
  }
}
