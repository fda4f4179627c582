package io.meshfed.agent;

import io.meshfed.api.agent.AssignedReplica;
import io.meshfed.api.agent.ReplicaStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.logging.Logger;

/**
 * Keeps the replicas the map assigns to this peer running: starts what is missing (or finds it
 * still running after an agent restart), starts again with backoff what exited, stops what is no
 * longer assigned or whose spec changed. {@link #tick} does one round; the agent calls it on each
 * map and every second.
 */
public final class Replicas {
  private static final Logger LOG = Logger.getLogger(Replicas.class.getName());
  private static final Duration FIRST_RESTART = Duration.ofSeconds(1);
  private static final Duration LONGEST_RESTART = Duration.ofSeconds(30);
  private static final Duration STOP_GRACE = Duration.ofSeconds(5);

  /** Alive this long after a start counts as Running. */
  private static final Duration STARTUP = Duration.ofMillis(500);

  private final ReplicaRuntime runtime;
  private final Path root;
  private final Clock clock;
  private final Map<String, Entry> entries = new TreeMap<>();
  private Map<String, AssignedReplica> wanted = Map.of();
  private boolean adopted;

  private static final class Entry {
    AssignedReplica spec;
    ReplicaRuntime.Handle handle;
    Instant startedAt;
    Instant nextStart;
    int restarts;
    Integer exitCode;
    String message;
    String reason;
    String state = ReplicaStatus.PENDING;

    Entry(AssignedReplica spec, Instant now) {
      this.spec = spec;
      this.nextStart = now;
    }
  }

  public Replicas(ReplicaRuntime runtime, Path root, Clock clock) {
    this.runtime = runtime;
    this.root = root;
    this.clock = clock;
  }

  /** What the map says this peer runs now. */
  public synchronized void assign(List<AssignedReplica> replicas) {
    Map<String, AssignedReplica> next = new TreeMap<>();
    replicas.forEach(r -> next.put(r.name(), r));
    wanted = next;
  }

  /** One round; returns true when some replica's reported status changed. */
  public synchronized boolean tick() {
    List<ReplicaStatus> before = statuses();
    Instant now = clock.instant();
    // no longer assigned, or assigned differently: stop it
    for (var it = entries.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      AssignedReplica want = wanted.get(e.getKey());
      if (want == null
          || !want.withoutRegistryAuth().equals(e.getValue().spec.withoutRegistryAuth())) {
        stop(e.getValue());
        it.remove();
      } else {
        e.getValue().spec = want; // new pull credentials alone: used at the next pull
      }
    }
    for (AssignedReplica want : wanted.values()) {
      Entry entry = entries.computeIfAbsent(want.name(), n -> new Entry(want, now));
      if (entry.handle == null && !adopted) {
        runtime
            .adopt(want, dirOf(want))
            .ifPresent(
                h -> {
                  entry.handle = h;
                  entry.startedAt = now.minus(STARTUP);
                  LOG.info("replica " + want.name() + " still runs from before; keeping it");
                });
      }
      step(entry, now);
    }
    adopted = true; // adoption is for what the previous agent process left, on the first round only
    return !before.equals(statuses());
  }

  private void step(Entry entry, Instant now) {
    if (entry.handle != null && entry.handle.alive()) {
      entry.state =
          entry.startedAt.plus(STARTUP).isAfter(now)
              ? ReplicaStatus.STARTING
              : ReplicaStatus.RUNNING;
      return;
    }
    if (entry.handle != null) { // it exited
      entry.exitCode =
          entry.handle.exitCode().isPresent() ? entry.handle.exitCode().getAsInt() : null;
      entry.handle = null;
      entry.state = ReplicaStatus.FAILED;
      entry.reason = ReplicaStatus.EXITED;
      String output = runtime.lastOutput(dirOf(entry.spec), 5);
      entry.message =
          (entry.exitCode == null ? "exited" : "exit code " + entry.exitCode)
              + (output.isBlank() ? "" : ": " + output);
      entry.nextStart = now.plus(backoff(entry.restarts));
      entry.restarts++;
      LOG.warning(
          "replica "
              + entry.spec.name()
              + " "
              + entry.message.lines().findFirst().orElse("")
              + "; starting it again at "
              + entry.nextStart);
    }
    if (now.isBefore(entry.nextStart)) {
      return;
    }
    try {
      entry.handle = runtime.start(entry.spec, dirOf(entry.spec));
      entry.startedAt = now;
      entry.state = ReplicaStatus.STARTING;
      LOG.info("replica " + entry.spec.name() + " started");
    } catch (IOException | RuntimeException e) {
      entry.state = ReplicaStatus.FAILED;
      entry.exitCode = null;
      entry.reason =
          e instanceof ReplicaRuntime.StartFailure failure
              ? failure.reason()
              : ReplicaStatus.START_FAILED;
      entry.message = "cannot start: " + e.getMessage();
      entry.nextStart = now.plus(backoff(entry.restarts));
      entry.restarts++;
      LOG.warning("replica " + entry.spec.name() + ": " + entry.message);
    }
  }

  private static Duration backoff(int restarts) {
    Duration wait = FIRST_RESTART.multipliedBy(1L << Math.min(restarts, 5));
    return wait.compareTo(LONGEST_RESTART) > 0 ? LONGEST_RESTART : wait;
  }

  private void stop(Entry entry) {
    if (entry.handle != null && entry.handle.alive()) {
      entry.handle.stop(STOP_GRACE);
      LOG.info("replica " + entry.spec.name() + " stopped");
    }
  }

  /** Stops every replica (the agent is told to stop its replicas, not merely exiting). */
  public synchronized void stopAll() {
    entries.values().forEach(this::stop);
    entries.clear();
  }

  public synchronized List<ReplicaStatus> statuses() {
    List<ReplicaStatus> statuses = new ArrayList<>();
    for (Entry e : entries.values()) {
      boolean failed = ReplicaStatus.FAILED.equals(e.state);
      statuses.add(
          new ReplicaStatus(
              e.spec.name(),
              e.state,
              e.handle == null ? null : e.handle.address(),
              e.restarts,
              failed ? e.exitCode : null,
              failed ? e.message : null,
              failed ? e.reason : null));
    }
    return statuses;
  }

  private Path dirOf(AssignedReplica replica) {
    String name = Objects.requireNonNull(replica.name());
    if (!name.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?") || name.contains("..")) {
      throw new IllegalArgumentException("not a replica name: " + name);
    }
    return root.resolve(name);
  }
}
