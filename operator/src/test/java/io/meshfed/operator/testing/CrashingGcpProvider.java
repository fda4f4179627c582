package io.meshfed.operator.testing;

import io.meshfed.provider.gcp.GcpMachineProvider;
import io.meshfed.provider.spi.Machine;
import io.meshfed.provider.spi.MachineRequest;
import io.meshfed.provider.spi.ProviderContext;
import io.meshfed.provider.spi.ProviderException;
import jakarta.inject.Singleton;

/**
 * The real Compute Engine provider, which the {@link CrashSwitch} can stop right after a create.
 */
@Singleton
public class CrashingGcpProvider extends GcpMachineProvider {
  @Override
  public Machine ensure(ProviderContext context, MachineRequest request) throws ProviderException {
    Machine machine = super.ensure(context, request);
    CrashSwitch.INSTANCE.afterCreate(request.peerName());
    return machine;
  }
}
