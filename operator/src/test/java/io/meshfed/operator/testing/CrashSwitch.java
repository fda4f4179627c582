package io.meshfed.operator.testing;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Kills a reconcile at the worst moment: right after the cloud's create call returned, before the
 * Peer's status records it. Cloud providers in the tests consult it after each {@code ensure}.
 */
public final class CrashSwitch {
  public static final CrashSwitch INSTANCE = new CrashSwitch();

  private final Set<String> armed = ConcurrentHashMap.newKeySet();
  private final AtomicInteger crashes = new AtomicInteger();

  public void armFor(String peerName) {
    armed.add(peerName);
  }

  public int crashes() {
    return crashes.get();
  }

  /** Throws once per armed peer, as a crashed process would stop: nothing after it runs. */
  public void afterCreate(String peerName) {
    if (armed.remove(peerName)) {
      crashes.incrementAndGet();
      throw new IllegalStateException(
          "simulated crash of the reconcile after the cloud created the machine of "
              + peerName
              + " and before its status was written");
    }
  }
}
