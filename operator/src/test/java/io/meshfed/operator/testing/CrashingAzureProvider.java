package io.meshfed.operator.testing;

import com.azure.core.http.okhttp.OkHttpAsyncHttpClientBuilder;
import io.meshfed.fakes.FakeTls;
import io.meshfed.provider.azure.AzureMachineProvider;
import io.meshfed.provider.spi.Machine;
import io.meshfed.provider.spi.MachineRequest;
import io.meshfed.provider.spi.ProviderContext;
import io.meshfed.provider.spi.ProviderException;
import jakarta.inject.Singleton;
import okhttp3.OkHttpClient;

/**
 * The real Azure provider, trusting the HTTPS fakes' certificate, which the {@link CrashSwitch} can
 * stop right after the VM's create.
 */
@Singleton
public class CrashingAzureProvider extends AzureMachineProvider {
  public CrashingAzureProvider() {
    super(
        () ->
            new OkHttpAsyncHttpClientBuilder(
                    new OkHttpClient.Builder()
                        .sslSocketFactory(
                            FakeTls.shared().clientContext().getSocketFactory(),
                            FakeTls.shared().trustManager())
                        .build())
                .build());
  }

  @Override
  public Machine ensure(ProviderContext context, MachineRequest request) throws ProviderException {
    Machine machine = super.ensure(context, request);
    // Azure makes a machine in steps: crash when the step that made the VM itself returns
    if (machine.state() == Machine.MachineState.PENDING && vmRequested(context, request)) {
      CrashSwitch.INSTANCE.afterCreate(request.peerName());
    }
    return machine;
  }

  private boolean vmRequested(ProviderContext context, MachineRequest request)
      throws ProviderException {
    return find(context, request.ref(null))
        .map(m -> m.state() != Machine.MachineState.STOPPING)
        .orElse(false);
  }
}
