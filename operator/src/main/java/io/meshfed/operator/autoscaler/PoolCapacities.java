package io.meshfed.operator.autoscaler;

import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.PeerPool;
import io.meshfed.api.v1alpha1.PeerPoolSpec;
import io.meshfed.api.v1alpha1.ResourceAmounts;
import io.meshfed.operator.autoscaler.Autoscaler.Capacity;
import io.meshfed.operator.provider.ProviderContexts;
import io.meshfed.operator.provider.ProviderRegistry;
import io.meshfed.operator.scheduler.Amounts;
import io.meshfed.provider.spi.MachineProvider;
import io.meshfed.provider.spi.ProviderException;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one peer of a pool holds: the pool's own {@code spec.capacity}, or its instance type's from
 * the provider's catalogue. Catalogue answers are cached (types do not change under a cluster); a
 * failed lookup is asked again a minute later, and its reason is kept for the pool's status.
 */
@Singleton
public class PoolCapacities {
  static final Duration KEEP = Duration.ofHours(6);
  static final Duration RETRY = Duration.ofMinutes(1);

  private final ProviderRegistry providers;
  private final ProviderContexts contexts;
  private final Clock clock;
  private final Map<String, Lookup> cache = new ConcurrentHashMap<>();

  public PoolCapacities(ProviderRegistry providers, ProviderContexts contexts, Clock clock) {
    this.clock = clock;
    this.providers = providers;
    this.contexts = contexts;
  }

  /** A capacity, or why there is none. */
  public record Lookup(Optional<Capacity> capacity, String problem, Instant at) {}

  public Lookup of(MeshCluster cluster, PeerPool pool) {
    PeerPoolSpec spec = pool.getSpec();
    Instant now = clock.instant();
    ResourceAmounts declared = spec.getCapacity();
    if (declared != null && declared.getCpu() != null && declared.getMemory() != null) {
      return new Lookup(
          Optional.of(
              new Capacity(
                  Amounts.cpuMillis(declared.getCpu()), Amounts.memoryBytes(declared.getMemory()))),
          null,
          now);
    }
    String provider = spec.getProvider().value();
    String key =
        cluster.getMetadata().getUid()
            + "|"
            + provider
            + "|"
            + spec.getRegion()
            + "|"
            + spec.getInstanceType();
    Lookup cached = cache.get(key);
    if (cached != null
        && cached.at().plus(cached.capacity().isPresent() ? KEEP : RETRY).isAfter(now)) {
      return cached;
    }
    Lookup fresh = lookUp(cluster, pool, provider, now);
    cache.put(key, fresh);
    return fresh;
  }

  private Lookup lookUp(MeshCluster cluster, PeerPool pool, String provider, Instant now) {
    Optional<MachineProvider> machines = providers.get(provider);
    if (machines.isEmpty()) {
      return new Lookup(
          Optional.empty(), "provider " + provider + " is not enabled in this operator", now);
    }
    try {
      Optional<MachineProvider.InstanceCapacity> found =
          machines
              .get()
              .capacity(
                  contexts.of(cluster, pool.getSpec().getProvider()),
                  pool.getSpec().getRegion(),
                  pool.getSpec().getInstanceType());
      return found
          .map(
              c -> new Lookup(Optional.of(new Capacity(c.cpuMillis(), c.memoryBytes())), null, now))
          .orElseGet(
              () ->
                  new Lookup(
                      Optional.empty(),
                      "provider "
                          + provider
                          + " has no catalogue of machine sizes"
                          + (pool.getSpec().getInstanceType() == null
                              ? ""
                              : " for " + pool.getSpec().getInstanceType())
                          + ": set spec.capacity (cpu, memory) on the pool",
                      now));
    } catch (ProviderContexts.MissingCredentialsException e) {
      return new Lookup(Optional.empty(), e.getMessage(), now);
    } catch (ProviderException e) {
      return new Lookup(Optional.empty(), e.reason() + ": " + e.getMessage(), now);
    }
  }
}
