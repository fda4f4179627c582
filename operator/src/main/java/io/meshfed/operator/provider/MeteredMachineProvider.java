package io.meshfed.operator.provider;

import io.meshfed.provider.spi.Machine;
import io.meshfed.provider.spi.MachineProvider;
import io.meshfed.provider.spi.MachineRef;
import io.meshfed.provider.spi.MachineRequest;
import io.meshfed.provider.spi.ProviderContext;
import io.meshfed.provider.spi.ProviderException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Optional;

/**
 * Every call to a cloud, timed and counted by provider, operation and outcome (ok, or the error's
 * reason): {@code meshfed_provider_calls_seconds}. The providers themselves stay free of metrics.
 */
final class MeteredMachineProvider implements MachineProvider {
  static final String METER = "meshfed.provider.calls";

  private final MachineProvider delegate;
  private final MeterRegistry registry;

  MeteredMachineProvider(MachineProvider delegate, MeterRegistry registry) {
    this.delegate = delegate;
    this.registry = registry;
  }

  private interface Call<T> {
    T run() throws ProviderException;
  }

  private <T> T timed(String operation, Call<T> call) throws ProviderException {
    Timer.Sample sample = Timer.start(registry);
    String outcome = "ok";
    try {
      return call.run();
    } catch (ProviderException e) {
      outcome = e.reason();
      throw e;
    } catch (RuntimeException e) {
      outcome = "Unexpected";
      throw e;
    } finally {
      sample.stop(
          Timer.builder(METER)
              .description("Calls to machine providers")
              .tag("provider", delegate.name())
              .tag("operation", operation)
              .tag("outcome", outcome)
              .register(registry));
    }
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public Machine ensure(ProviderContext context, MachineRequest request) throws ProviderException {
    return timed("ensure", () -> delegate.ensure(context, request));
  }

  @Override
  public Optional<Machine> find(ProviderContext context, MachineRef ref) throws ProviderException {
    return timed("find", () -> delegate.find(context, ref));
  }

  @Override
  public void delete(ProviderContext context, MachineRef ref) throws ProviderException {
    timed(
        "delete",
        () -> {
          delegate.delete(context, ref);
          return null;
        });
  }

  @Override
  public List<Machine> list(ProviderContext context, String clusterId) throws ProviderException {
    return timed("list", () -> delegate.list(context, clusterId));
  }

  @Override
  public Optional<InstanceCapacity> capacity(
      ProviderContext context, String region, String instanceType) throws ProviderException {
    return timed("capacity", () -> delegate.capacity(context, region, instanceType));
  }

  @Override
  public void verifyCredentials(ProviderContext context) throws ProviderException {
    timed(
        "verifyCredentials",
        () -> {
          delegate.verifyCredentials(context);
          return null;
        });
  }

  @Override
  public void releaseCluster(ProviderContext context) throws ProviderException {
    timed(
        "releaseCluster",
        () -> {
          delegate.releaseCluster(context);
          return null;
        });
  }
}
