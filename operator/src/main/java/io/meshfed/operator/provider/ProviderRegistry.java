package io.meshfed.operator.provider;

import io.meshfed.operator.config.MeshfedConfig;
import io.meshfed.provider.local.LocalMachineProvider;
import io.meshfed.provider.spi.MachineProvider;
import io.meshfed.provider.spi.StaticMachineProvider;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.All;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The providers this operator build carries, by name. The static provider is always there; each
 * cloud module adds its own bean.
 */
@Singleton
public class ProviderRegistry {
  private final Map<String, MachineProvider> byName = new TreeMap<>();

  public ProviderRegistry(
      @All List<MachineProvider> providers, MeshfedConfig config, MeterRegistry metrics) {
    byName.put(StaticMachineProvider.NAME, new StaticMachineProvider());
    if (config.local().enabled()) {
      byName.put(LocalMachineProvider.NAME, LocalProviderSettings.provider(config.local()));
    }
    // a bean of the same name (a test's in-memory cloud) takes the place of a built-in one
    providers.forEach(p -> byName.put(p.name(), p));
    config
        .providers()
        .enabled()
        .ifPresent(
            enabled ->
                byName
                    .keySet()
                    .removeIf(
                        name ->
                            !name.equals(StaticMachineProvider.NAME) && !enabled.contains(name)));
    byName.replaceAll((name, provider) -> new MeteredMachineProvider(provider, metrics));
  }

  public Optional<MachineProvider> get(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  public List<String> names() {
    return List.copyOf(byName.keySet());
  }
}
