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
 * tests. Machines take a few calls to start and to go away, like real ones. What a peer's machine
 * does otherwise is scripted by the test through {@link #script}: a permanent error, throttling, a
 * machine that never starts, or a failure nobody expected.
 */
@Singleton
public class FakeMachineProvider implements MachineProvider {
  static final int CALLS_TO_START = 2;
  static final int CALLS_TO_VANISH = 3;

  private final Map<String, FakeMachine> machines = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> throttled = new ConcurrentHashMap<>();
  private final AtomicInteger creates = new AtomicInteger();
  private final Map<String, String> userData = new ConcurrentHashMap<>();
  private final Map<String, Script> scripts = new ConcurrentHashMap<>();

  /** What the cloud does for one peer's machines. */
  public enum Script {
    /** Every ensure fails for good: the account's quota is used up. */
    QUOTA_EXCEEDED,
    /** The first two ensures are throttled, then the machine comes. */
    THROTTLED_TWICE,
    /** The machine is made and never starts. */
    NEVER_STARTS,
    /** Ensure throws what no provider should: a bug. */
    UNEXPECTED_FAILURE
  }

  /**
   * Scripts the machines of the peer with this name (before the Peer is created); null: as usual.
   */
  public void script(String peerName, Script script) {
    if (script == null) {
      scripts.remove(peerName);
    } else {
      scripts.put(peerName, script);
    }
  }

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
      return new Machine(
          providerID,
          state,
          "198.18.0." + (Math.abs(peerName.hashCode()) % 250 + 1),
          "10.0.0.1",
          Map.of("meshfed.io/peer", peerName));
    }
  }

  @Override
  public String name() {
    return "local";
  }

  @Override
  public synchronized Machine ensure(ProviderContext context, MachineRequest request)
      throws ProviderException {
    Script script = scripts.get(request.peerName());
    if (script == Script.QUOTA_EXCEEDED) {
      throw ProviderException.permanent(
          "QuotaExceeded", "instance quota of the account is used up; ask for more", null);
    }
    if (script == Script.THROTTLED_TWICE
        && throttled.computeIfAbsent(request.peerId(), k -> new AtomicInteger()).incrementAndGet()
            <= 2) {
      throw ProviderException.retryable("Throttled", "request rate exceeded", null);
    }
    if (script == Script.UNEXPECTED_FAILURE) {
      throw new IllegalStateException(
          "the fake cloud's bug: no machine table for " + request.peerName());
    }
    userData.put(request.peerName(), String.valueOf(request.userData()));
    FakeMachine machine =
        machines.computeIfAbsent(
            request.peerId(),
            id -> {
              creates.incrementAndGet();
              createsByPeer
                  .computeIfAbsent(request.peerName(), k -> new AtomicInteger())
                  .incrementAndGet();
              return new FakeMachine("fake:///" + request.peerName(), request.peerName());
            });
    if (script != Script.NEVER_STARTS
        && machine.state == MachineState.PENDING
        && machine.callsLeft-- <= 0) {
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
