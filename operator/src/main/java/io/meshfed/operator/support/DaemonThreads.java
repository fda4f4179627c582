package io.meshfed.operator.support;

import java.util.concurrent.ThreadFactory;

/** Threads of the operator's own background work: named, and never holding the JVM up. */
public final class DaemonThreads {
  private DaemonThreads() {}

  public static ThreadFactory named(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }
}
