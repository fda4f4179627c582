package io.meshfed.provider.spi;

import java.util.List;
import java.util.Optional;

/**
 * One cloud (or other source of machines) behind the operator. Every call may be repeated after a
 * crash at any point, so each must be idempotent: {@link #ensure} finds the machine it made before
 * (by deterministic name, client token or tag) instead of making a second one, and {@link #delete}
 * treats "already gone" as success.
 */
public interface MachineProvider {

  /** The provider's name as Peers spell it: aws, gcp, azure, digitalocean, static, local. */
  String name();

  /** Makes the machine of this request, or returns the one made before. */
  Machine ensure(ProviderContext context, MachineRequest request) throws ProviderException;

  /** The machine of this peer, if the provider still has it. */
  Optional<Machine> find(ProviderContext context, MachineRef ref) throws ProviderException;

  /**
   * Starts deleting the machine and everything made for it. Returns at once; call {@link #find}
   * until it is empty to know the machine is gone.
   */
  void delete(ProviderContext context, MachineRef ref) throws ProviderException;

  /** Every machine tagged for the cluster, for orphan collection. */
  List<Machine> list(ProviderContext context, String clusterId) throws ProviderException;

  /**
   * One cheap authenticated call that shows whether the credentials work (the cluster's
   * CredentialsValid condition). Throws with reason InvalidCredentials, PermissionDenied, … when
   * not.
   */
  default void verifyCredentials(ProviderContext context) throws ProviderException {}

  /**
   * Removes what the cluster's machines shared (the firewall that opens the WireGuard port), once
   * none of them remains. Idempotent; "already gone" is success.
   */
  default void releaseCluster(ProviderContext context) throws ProviderException {}

  /**
   * What a machine of this type holds, from the provider's own catalogue (EC2 instance types, GCE
   * machine types, Azure VM sizes, DigitalOcean sizes), for the autoscaler's planning. Empty when
   * the provider has no catalogue (local, static) or does not know the type. Callers cache it.
   *
   * @param region the pool's region, or null for the cluster's default
   * @param instanceType the pool's type, or null for the provider's default
   */
  default Optional<InstanceCapacity> capacity(
      ProviderContext context, String region, String instanceType) throws ProviderException {
    return Optional.empty();
  }

  /** A machine type's cpu (millicores) and memory (bytes). */
  record InstanceCapacity(long cpuMillis, long memoryBytes) {}
}
