package io.meshfed.operator.provider;

import io.meshfed.provider.aws.AwsMachineProvider;
import io.meshfed.provider.azure.AzureMachineProvider;
import io.meshfed.provider.digitalocean.DigitalOceanMachineProvider;
import io.meshfed.provider.gcp.GcpMachineProvider;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The cloud providers this build carries. Provider modules know nothing of CDI; they become beans
 * here. Each is a {@link DefaultBean}: a test's bean of the same type takes its place.
 */
@Singleton
public class CloudProviders {
  @Produces
  @Singleton
  @DefaultBean
  AwsMachineProvider aws() {
    return new AwsMachineProvider();
  }

  @Produces
  @Singleton
  @DefaultBean
  DigitalOceanMachineProvider digitalOcean() {
    return new DigitalOceanMachineProvider();
  }

  @Produces
  @Singleton
  @DefaultBean
  GcpMachineProvider gcp() {
    return new GcpMachineProvider();
  }

  @Produces
  @Singleton
  @DefaultBean
  AzureMachineProvider azure() {
    return new AzureMachineProvider();
  }
}
