package io.meshfed.provider.spi;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Hosts the user brings. There is nothing to provision or delete: the host exists as long as its
 * Peer does, and becomes part of the mesh when its agent joins with the join command.
 */
public final class StaticMachineProvider implements MachineProvider {
  public static final String NAME = "static";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Machine ensure(ProviderContext context, MachineRequest request) {
    return machine(request.peerName());
  }

  /**
   * Always empty: meshfed owns no machine at this provider. The host is the user's and outlives its
   * Peer, so a deleted static Peer never waits for a machine to go.
   */
  @Override
  public Optional<Machine> find(ProviderContext context, MachineRef ref) {
    return Optional.empty();
  }

  @Override
  public void delete(ProviderContext context, MachineRef ref) {
    // the host is the user's: leaving the mesh is all there is to do, and the operator does that
  }

  @Override
  public List<Machine> list(ProviderContext context, String clusterId) {
    // nothing here was made by meshfed, so nothing can leak
    return List.of();
  }

  private static Machine machine(String peerName) {
    return new Machine("static:///" + peerName, Machine.MachineState.RUNNING, null, null, Map.of());
  }
}
