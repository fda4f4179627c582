package io.meshfed.e2e;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Stops what this JVM started (operators, control planes) when the JVM ends before closing them,
 * newest first, so that an operator stops before the API server it talks to. One shutdown hook for
 * all of them, since hooks run concurrently and in no order.
 */
final class Reaper {
  private static final Deque<AutoCloseable> LIVE = new ArrayDeque<>();

  /** Run before anything is stopped: e.g. a launcher's teardown that still needs the API server. */
  private static final Deque<AutoCloseable> FIRST = new ArrayDeque<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(Reaper::reapAll, "meshfed-reaper"));
  }

  private Reaper() {}

  static synchronized void register(AutoCloseable child) {
    LIVE.push(child);
  }

  /**
   * Runs {@code beforeStopping} first when the JVM ends (Ctrl-C), and stops nothing until it
   * returns: the launcher deletes its clusters "as a user would" while the operator and the API
   * server still run.
   */
  static synchronized void registerFirst(AutoCloseable beforeStopping) {
    FIRST.push(beforeStopping);
  }

  static synchronized void unregister(AutoCloseable child) {
    LIVE.remove(child);
    FIRST.remove(child);
  }

  private static void reapAll() {
    while (true) {
      AutoCloseable next;
      synchronized (Reaper.class) {
        next = FIRST.isEmpty() ? LIVE.poll() : FIRST.poll();
      }
      if (next == null) {
        return;
      }
      try {
        next.close();
      } catch (Exception e) {
        System.err.println("meshfed: stopping " + next + ": " + e);
      }
    }
  }
}
