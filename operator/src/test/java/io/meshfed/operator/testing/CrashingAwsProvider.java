package io.meshfed.operator.testing;

import io.meshfed.provider.aws.AwsMachineProvider;
import io.meshfed.provider.spi.Machine;
import io.meshfed.provider.spi.MachineRequest;
import io.meshfed.provider.spi.ProviderContext;
import io.meshfed.provider.spi.ProviderException;
import jakarta.inject.Singleton;

/** The real EC2 provider, which the {@link CrashSwitch} can stop right after a launch. */
@Singleton
public class CrashingAwsProvider extends AwsMachineProvider {
  @Override
  public Machine ensure(ProviderContext context, MachineRequest request) throws ProviderException {
    Machine machine = super.ensure(context, request);
    CrashSwitch.INSTANCE.afterCreate(request.peerName());
    return machine;
  }
}
