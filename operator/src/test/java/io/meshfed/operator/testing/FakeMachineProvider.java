package io.meshfed.operator.testing;

import io.meshfed.provider.spi.Machine;
import io.meshfed.provider.spi.Machine.MachineState;
import io.meshfed.provider.spi.MachineProvider;
import io.meshfed.provider.spi.MachineRef;
import io.meshfed.provider.spi.MachineRequest;
import io.meshfed.provider.spi.ProviderContext;
import io.meshfed.provider.spi.ProviderException;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cloud in memory, Karpenter style, serving the {@code local} provider name in the operator's
 * tests until the real provider-local exists. Machines take a few calls to start and to go away,
 * like real ones; peers named {@code quota-*} hit a permanent error, {@code flaky-*} are throttled
 * twice before they get a machine, {@code stuck-*} get machines that never start.
 */
@Singleton
public class FakeMachineProvider implements MachineProvider {
  static final int CALLS_TO_START = 2;
  static final int CALLS_TO_VANISH = 3;

  private final Map<String, FakeMachine> machines = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> throttled = new ConcurrentHashMap<>();
  private final AtomicInteger creates = new AtomicInteger();
  private final Map<String, String> userData = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> createsByPeer = new ConcurrentHashMap<>();

  private static final class FakeMachine {
    final String providerID;
    final String peerName;
    MachineState state = MachineState.PENDING;
    int callsLeft = CALLS_TO_START;

    FakeMachine(String providerID, String peerName) {
      this.providerID = providerID;
      this.peerName = peerName;
    }

    Machine view() {
      return new Machine(providerID, state, "198.18.0." + (Math.abs(peerName.hashCode()) % 250 + 1), "10.0.0.1",
          Map.of("meshfed.io/peer", peerName));
    }
  }

  @Override
  public String name() {
    return "local";
  }

  @Override
  public synchronized Machine ensure(ProviderContext context, MachineRequest request) throws ProviderException {
    if (request.peerName().startsWith("quota-")) {
      throw ProviderException.permanent("QuotaExceeded", "instance quota of the account is used up; ask for more", null);
    }
    if (request.peerName().startsWith("flaky-")
        && throttled.computeIfAbsent(request.peerId(), k -> new AtomicInteger()).incrementAndGet() <= 2) {
      throw ProviderException.retryable("Throttled", "request rate exceeded", null);
    }
    userData.put(request.peerName(), String.valueOf(request.userData()));
    FakeMachine machine = machines.computeIfAbsent(request.peerId(), id -> {
      creates.incrementAndGet();
      createsByPeer.computeIfAbsent(request.peerName(), k -> new AtomicInteger()).incrementAndGet();
      return new FakeMachine("fake:///" + request.peerName(), request.peerName());
    });
    // stuck-* machines never start
    if (!request.peerName().startsWith("stuck-") && machine.state == MachineState.PENDING && machine.callsLeft-- <= 0) {
      machine.state = MachineState.RUNNING;
    }
    return machine.view();
  }

  @Override
  public synchronized Optional<Machine> find(ProviderContext context, MachineRef ref) {
    FakeMachine machine = machines.get(ref.peerId());
    if (machine == null) {
      return Optional.empty();
    }
    if (machine.state == MachineState.STOPPING && machine.callsLeft-- <= 0) {
      machines.remove(ref.peerId());
      return Optional.empty();
    }
    return Optional.of(machine.view());
  }

  @Override
  public synchronized void delete(ProviderContext context, MachineRef ref) {
    FakeMachine machine = machines.get(ref.peerId());
    if (machine != null && machine.state != MachineState.STOPPING) {
      machine.state = MachineState.STOPPING;
      machine.callsLeft = CALLS_TO_VANISH;
    }
  }

  @Override
  public synchronized List<Machine> list(ProviderContext context, String clusterId) {
    return machines.values().stream().map(FakeMachine::view).toList();
  }

  public int creates() {
    return creates.get();
  }

  /** The cloud-init user data the operator rendered for a peer's machine. */
  public String userDataOf(String peerName) {
    return userData.get(peerName);
  }

  /** Machines made for Peers of this name (tests run side by side: count only your own). */
  public int createsOf(String peerName) {
    AtomicInteger count = createsByPeer.get(peerName);
    return count == null ? 0 : count.get();
  }

  public boolean has(String peerName) {
    return machines.values().stream().anyMatch(m -> m.peerName.equals(peerName));
  }
}
