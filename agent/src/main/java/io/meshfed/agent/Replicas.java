package io.meshfed.agent;

import io.meshfed.api.agent.AssignedReplica;
import io.meshfed.api.agent.ReplicaProbe;
import io.meshfed.api.agent.ReplicaStatus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Logger;

/**
 * Keeps the replicas the map assigns to this peer running: starts what is missing (or finds it
 * still running after an agent restart), starts again with backoff what exited or what its liveness
 * probe found dead, stops what is no longer assigned or whose spec changed, and says which running
 * replicas are ready (their readiness probe passes). {@link #tick} does one round; the agent calls
 * it on each map and every second. Probes run elsewhere ({@link Prober}); their results count from
 * the next round.
 */
public final class Replicas {
  private static final Logger LOG = Logger.getLogger(Replicas.class.getName());
  private static final Duration FIRST_RESTART = Duration.ofSeconds(1);
  private static final Duration LONGEST_RESTART = Duration.ofSeconds(30);
  private static final Duration STOP_GRACE = Duration.ofSeconds(5);

  /**
   * How long a replica the map no longer assigns keeps serving: the same map takes it out of every
   * peer's DNS, and a client that resolved it a moment before still reaches it.
   */
  static final Duration DRAIN = Duration.ofSeconds(5);

  /** Alive this long after a start counts as Running. */
  private static final Duration STARTUP = Duration.ofMillis(500);

  /** Runs a probe against a replica's address, its result later. */
  @FunctionalInterface
  public interface Prober {
    CompletableFuture<ProbeState.Result> run(ReplicaProbe probe, String address, Probes.Exec exec);
  }

  private final ReplicaRuntime runtime;
  private final Path root;
  private final Clock clock;
  private final Prober prober;
  private final Map<String, Entry> entries = new TreeMap<>();
  private Map<String, AssignedReplica> wanted = Map.of();
  private boolean adopted;
  private List<ReplicaStatus> lastTold = List.of();

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
    Instant drainUntil;
    ProbeState readiness;
    ProbeState liveness;

    Entry(AssignedReplica spec, Instant now) {
      this.spec = spec;
      this.nextStart = now;
    }

    /** A new run: its probes start over (not ready until its readiness probe passes). */
    void ran(ReplicaRuntime.Handle handle, Instant startedAt, Instant now) {
      this.handle = handle;
      this.startedAt = startedAt;
      this.readiness =
          spec.readinessProbe() == null ? null : new ProbeState(spec.readinessProbe(), now, false);
      this.liveness =
          spec.livenessProbe() == null ? null : new ProbeState(spec.livenessProbe(), now, true);
    }

    boolean ready() {
      return ReplicaStatus.RUNNING.equals(state) && (readiness == null || readiness.passing());
    }
  }

  public Replicas(ReplicaRuntime runtime, Path root, Clock clock, Prober prober) {
    this.runtime = runtime;
    this.root = root;
    this.clock = clock;
    this.prober = prober;
  }

  /** What the map says this peer runs now. */
  public synchronized void assign(List<AssignedReplica> replicas) {
    Map<String, AssignedReplica> next = new TreeMap<>();
    replicas.forEach(r -> next.put(r.name(), r));
    wanted = next;
  }

  /**
   * One round; returns true when some replica's status changed since the last round said so (probe
   * results arrive between rounds).
   */
  public synchronized boolean tick() {
    Instant now = clock.instant();
    // no longer assigned: stop it after its drain; assigned differently: stop it now (the new
    // spec runs under the same name)
    for (var it = entries.entrySet().iterator(); it.hasNext(); ) {
      Entry entry = it.next().getValue();
      AssignedReplica want = wanted.get(entry.spec.name());
      if (want == null) {
        if (entry.drainUntil == null) {
          entry.drainUntil = now.plus(DRAIN);
          LOG.info("replica " + entry.spec.name() + " is no longer assigned; it stops in " + DRAIN);
        }
        if (entry.handle == null || !now.isBefore(entry.drainUntil)) {
          stop(entry);
          it.remove();
        }
        continue;
      }
      entry.drainUntil = null; // assigned again while draining: it stays
      if (!want.withoutRegistryAuth().equals(entry.spec.withoutRegistryAuth())) {
        stop(entry);
        it.remove();
      } else {
        entry.spec = want; // new pull credentials alone: used at the next pull
      }
    }
    for (AssignedReplica want : wanted.values()) {
      Entry entry = entries.computeIfAbsent(want.name(), n -> new Entry(want, now));
      if (entry.handle == null && !adopted) {
        runtime
            .adopt(want, dirOf(want))
            .ifPresent(
                h -> {
                  entry.ran(h, now.minus(STARTUP), now);
                  LOG.info("replica " + want.name() + " still runs from before; keeping it");
                });
      }
      step(entry, now);
    }
    adopted = true; // adoption is for what the previous agent process left, on the first round only
    List<ReplicaStatus> current = statuses();
    boolean changed = !current.equals(lastTold);
    lastTold = current;
    return changed;
  }

  private void step(Entry entry, Instant now) {
    if (entry.handle != null && entry.handle.alive()) {
      if (entry.liveness != null && !entry.liveness.passing()) {
        String why = "liveness probe " + entry.liveness.why();
        entry.handle.stop(STOP_GRACE);
        entry.handle = null;
        failed(entry, now, ReplicaStatus.UNHEALTHY, null, why);
        return;
      }
      entry.state =
          entry.startedAt.plus(STARTUP).isAfter(now)
              ? ReplicaStatus.STARTING
              : ReplicaStatus.RUNNING;
      probe(entry, entry.readiness, now);
      probe(entry, entry.liveness, now);
      runtime.rotate(dirOf(entry.spec));
      return;
    }
    if (entry.handle != null) { // it exited
      Integer exitCode =
          entry.handle.exitCode().isPresent() ? entry.handle.exitCode().getAsInt() : null;
      entry.handle = null;
      failed(
          entry,
          now,
          ReplicaStatus.EXITED,
          exitCode,
          exitCode == null ? "exited" : "exit code " + exitCode);
    }
    if (now.isBefore(entry.nextStart)) {
      return;
    }
    try {
      entry.ran(runtime.start(entry.spec, dirOf(entry.spec)), now, now);
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

  /** It ended (exited, or stopped as dead): say how, and start it again after a backoff. */
  private void failed(Entry entry, Instant now, String reason, Integer exitCode, String why) {
    entry.state = ReplicaStatus.FAILED;
    entry.reason = reason;
    entry.exitCode = exitCode;
    String output = runtime.lastOutput(dirOf(entry.spec), 5);
    entry.message = why + (output.isBlank() ? "" : ": " + output);
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

  /** Runs the probe when it is due; its result counts when it arrives. */
  private void probe(Entry entry, ProbeState probe, Instant now) {
    if (probe == null || !probe.due(now)) {
      return;
    }
    probe.started(now);
    AssignedReplica spec = entry.spec;
    prober
        .run(
            probe.probe(),
            entry.handle.address(),
            (command, timeout) -> runtime.exec(spec, dirOf(spec), command, timeout))
        .whenComplete(
            (result, error) -> {
              synchronized (this) {
                probe.finished(
                    error == null ? result : ProbeState.Result.fail(String.valueOf(error)));
              }
            });
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
      if (e.drainUntil != null) {
        continue; // not the operator's any more
      }
      boolean failed = ReplicaStatus.FAILED.equals(e.state);
      boolean running = ReplicaStatus.RUNNING.equals(e.state);
      boolean unready = running && !e.ready();
      statuses.add(
          new ReplicaStatus(
              e.spec.name(),
              e.state,
              e.handle == null ? null : e.handle.address(),
              e.restarts,
              failed ? e.exitCode : null,
              failed ? e.message : unready ? "readiness probe " + e.readiness.why() : null,
              failed ? e.reason : unready ? ReplicaStatus.NOT_READY : null,
              running ? e.ready() : null));
    }
    return statuses;
  }

  /** A replica's output (see {@link ReplicaRuntime#output}), if this peer runs it. */
  public InputStream output(String replica, Integer tailLines, boolean follow, boolean previous)
      throws IOException {
    AssignedReplica spec;
    synchronized (this) {
      Entry entry = entries.get(replica);
      if (entry == null) {
        throw new ReplicaRuntime.NoOutput(
            "ReplicaNotFound", "replica " + replica + " does not run on this peer");
      }
      spec = entry.spec;
    }
    // outside the lock: following blocks for as long as the reader reads
    return runtime.output(dirOf(spec), tailLines, follow, previous);
  }

  private Path dirOf(AssignedReplica replica) {
    String name = Objects.requireNonNull(replica.name());
    if (!name.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?") || name.contains("..")) {
      throw new IllegalArgumentException("not a replica name: " + name);
    }
    return root.resolve(name);
  }
}
