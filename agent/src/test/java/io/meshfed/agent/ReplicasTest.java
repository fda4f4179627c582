package io.meshfed.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.api.agent.AssignedReplica;
import io.meshfed.api.agent.ReplicaProbe;
import io.meshfed.api.agent.ReplicaStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real processes under the supervisor, with a clock the test moves. */
class ReplicasTest {
  @TempDir Path root;

  private final MovableClock clock = new MovableClock();

  /** As the agent runs replicas by default: as nobody. */
  private final ProcessRuntime runtime =
      new ProcessRuntime(() -> "100.64.1.1", Map.of("MESHFED_DOMAIN", "mesh.test"), nobody());

  static Optional<ProcessRuntime.RunAs> nobody() {
    try {
      return ProcessRuntime.RunAs.of("nobody");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Replicas replicas;

  /** As the agent does with its state directory: nobody may pass through to its own directory. */
  @BeforeEach
  void letNobodyThrough() throws IOException {
    ProcessRuntime.letReplicasThrough(List.of(root));
  }

  @AfterEach
  void stop() {
    if (replicas != null) {
      replicas.stopAll();
    }
  }

  static AssignedReplica replica(String name, String script) {
    return new AssignedReplica(
        name, "w", null, List.of("sh", "-c", script), null, Map.of("GREETING", "hi"), null);
  }

  @Test
  void processReplicasRunAsAnUnprivilegedUserWithoutAWayBack() throws Exception {
    ProcessRuntime.RunAs user = nobody().orElseThrow();
    replicas = new Replicas(runtime, root, clock, HERE_AND_NOW);
    replicas.assign(
        List.of(
            replica(
                "w-0",
                "echo uid=$(id -u) gid=$(id -g) groups=$(id -G) path=$PATH;"
                    + " grep NoNewPrivs /proc/self/status; echo pid=$$; sleep 60")));
    replicas.tick();
    waitFor(() -> Files.readString(root.resolve("w-0/output.log")).contains("pid="));
    String output = Files.readString(root.resolve("w-0/output.log"));
    assertThat(output)
        .contains("uid=" + user.uid() + " gid=" + user.gid() + " groups=" + user.gid())
        .containsPattern("NoNewPrivs:\\s+1")
        .contains("path=" + ProcessRuntime.SECURE_PATH);
    // setpriv execs the command: the PID the agent keeps (and adopts after a restart) is its own
    String started = Files.readString(root.resolve("w-0/started.json"));
    String pid = output.replaceAll("(?s).*pid=(\\d+).*", "$1");
    assertThat(started).contains("\"pid\":" + pid);

    assertThatThrownBy(() -> ProcessRuntime.RunAs.of("no-such-user-here"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("--process-user");
    assertThat(ProcessRuntime.RunAs.of("root")).as("root keeps the agent's user").isEmpty();
  }

  @Test
  void startsAssignedReplicasWithTheirEnvironmentAndReportsThemRunning() throws Exception {
    replicas = new Replicas(runtime, root, clock, HERE_AND_NOW);
    replicas.assign(
        List.of(replica("w-0", "echo $GREETING $MESHFED_REPLICA $MESHFED_DOMAIN; sleep 60")));
    assertThat(replicas.tick()).isTrue();
    assertThat(replicas.statuses())
        .singleElement()
        .satisfies(s -> assertThat(s.state()).isEqualTo("Starting"));
    clock.advance(Duration.ofSeconds(1));
    replicas.tick();
    assertThat(replicas.statuses())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.state()).isEqualTo("Running");
              assertThat(s.address()).isEqualTo("100.64.1.1");
            });
    waitFor(() -> Files.readString(root.resolve("w-0/output.log")).contains("hi w-0 mesh.test"));
    assertThat(replicas.tick()).as("nothing changed").isFalse();
  }

  @Test
  void aReplicaItsUserCannotReachFailsSayingWhichDirectoryToOpen() throws Exception {
    Path closed = root.resolve("closed");
    Files.createDirectories(closed);
    Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
    replicas = new Replicas(runtime, closed.resolve("replicas"), clock, HERE_AND_NOW);
    replicas.assign(List.of(replica("w-0", "sleep 60")));
    replicas.tick();
    assertThat(replicas.statuses())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.state()).isEqualTo("Failed");
              assertThat(s.message())
                  .contains("cannot reach its working directory")
                  .contains(closed + " is rwx------");
            });
  }

  @Test
  void aReplicaThatExitsIsFailedWithItsOutputAndStartsAgainAfterABackoff() throws Exception {
    replicas = new Replicas(runtime, root, clock, HERE_AND_NOW);
    replicas.assign(List.of(replica("w-0", "echo about to fail; exit 3")));
    replicas.tick();
    long firstPid = pidOf("w-0");
    // ticks until the exit is seen: the agent's rounds see a replica exit whenever it does
    waitFor(() -> replicas.tick() && "Failed".equals(replicas.statuses().get(0).state()));
    assertThat(replicas.statuses())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.state()).isEqualTo("Failed");
              assertThat(s.exitCode()).isEqualTo(3);
              assertThat(s.message()).isEqualTo("exit code 3: about to fail");
              assertThat(s.restarts()).isEqualTo(1);
            });
    replicas.tick();
    assertThat(pidOf("w-0")).as("not before the backoff").isEqualTo(firstPid);
    clock.advance(Duration.ofSeconds(2));
    replicas.tick();
    assertThat(pidOf("w-0")).as("started again").isNotEqualTo(firstPid);

    // logs: the run before the restart is the previous one; the new run starts its own output
    assertThat(read(replicas.output("w-0", null, false, true))).isEqualTo("about to fail\n");
    waitFor(() -> read(replicas.output("w-0", null, false, false)).contains("about to fail"));
    assertThat(read(replicas.output("w-0", 1, false, false))).isEqualTo("about to fail\n");
    assertThatThrownBy(() -> replicas.output("w-9", null, false, false))
        .isInstanceOfSatisfying(
            ReplicaRuntime.NoOutput.class,
            e -> assertThat(e.reason()).isEqualTo("ReplicaNotFound"));
  }

  @Test
  void aReplicaThatNeverRestartedHasNoPreviousOutput() throws Exception {
    replicas = new Replicas(runtime, root, clock, HERE_AND_NOW);
    replicas.assign(List.of(replica("w-0", "echo once; sleep 60")));
    replicas.tick();
    waitFor(() -> read(replicas.output("w-0", null, false, false)).equals("once\n"));
    assertThatThrownBy(() -> replicas.output("w-0", null, false, true))
        .isInstanceOfSatisfying(
            ReplicaRuntime.NoOutput.class, e -> assertThat(e.reason()).isEqualTo("NoPreviousRun"));
  }

  private static String read(java.io.InputStream in) throws IOException {
    try (in) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  @Test
  void unassignedReplicasStopAndAChangedSpecStartsAFreshProcess() throws Exception {
    replicas = new Replicas(runtime, root, clock, HERE_AND_NOW);
    replicas.assign(List.of(replica("w-0", "sleep 60"), replica("w-1", "sleep 60")));
    replicas.tick();
    long w0 = pidOf("w-0");
    long w1 = pidOf("w-1");

    replicas.assign(List.of(replica("w-0", "sleep 61")));
    replicas.tick();
    assertThat(ProcessHandle.of(w0)).as("a new spec under the same name: at once").isEmpty();
    assertThat(pidOf("w-0")).isNotEqualTo(w0);
    assertThat(ProcessHandle.of(w1)).as("unassigned: it serves out its drain").isPresent();
    assertThat(replicas.statuses()).extracting(ReplicaStatus::name).containsExactly("w-0");
    clock.advance(Replicas.DRAIN.minusMillis(1));
    replicas.tick();
    assertThat(ProcessHandle.of(w1)).isPresent();
    clock.advance(Duration.ofMillis(1));
    replicas.tick();
    assertThat(ProcessHandle.of(w1)).isEmpty();
  }

  @Test
  void newRegistryCredentialsAloneRestartNothing() throws Exception {
    replicas = new Replicas(runtime, root, clock, HERE_AND_NOW);
    AssignedReplica plain = replica("w-0", "sleep 60");
    replicas.assign(List.of(plain));
    replicas.tick();
    long pid = pidOf("w-0");

    replicas.assign(
        List.of(
            new AssignedReplica(
                plain.name(),
                plain.workload(),
                plain.image(),
                plain.command(),
                plain.args(),
                plain.env(),
                plain.ports(),
                "{\"auths\":{}}",
                null,
                null)));
    replicas.tick();
    assertThat(pidOf("w-0")).isEqualTo(pid);
  }

  @Test
  void aRestartedAgentFindsItsReplicasInsteadOfStartingThemTwice() throws Exception {
    replicas = new Replicas(runtime, root, clock, HERE_AND_NOW);
    replicas.assign(List.of(replica("w-0", "sleep 60")));
    replicas.tick();
    long pid = pidOf("w-0");

    // a new agent process: same state directory, same assignment
    Replicas restarted = new Replicas(runtime, root, clock, HERE_AND_NOW);
    restarted.assign(List.of(replica("w-0", "sleep 60")));
    restarted.tick();
    assertThat(pidOf("w-0")).isEqualTo(pid);
    assertThat(restarted.statuses())
        .singleElement()
        .satisfies(s -> assertThat(s.state()).isEqualTo("Running"));
    assertThat(
            ProcessHandle.current()
                .children()
                .filter(p -> p.info().commandLine().orElse("").contains("sleep 60")))
        .as("one replica process, not two")
        .hasSize(1);
    restarted.stopAll();
    assertThat(ProcessHandle.of(pid)).isEmpty();
  }

  @Test
  void aReplicaIsReadyOnlyWhileItsReadinessProbePasses() throws Exception {
    Path flag = root.resolve("ready");
    replicas = new Replicas(runtime, root, clock, HERE_AND_NOW);
    replicas.assign(List.of(probed("w-0", check(flag, 1), null)));
    replicas.tick();
    clock.advance(Duration.ofSeconds(1));
    replicas.tick();
    assertThat(replicas.statuses())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.state()).isEqualTo("Running");
              assertThat(s.ready()).isFalse();
              assertThat(s.serving()).isFalse();
              assertThat(s.reason()).isEqualTo("NotReady");
              assertThat(s.message())
                  .isEqualTo(
                      "readiness probe exec [test, -f, "
                          + flag
                          + "] failed 1 time in a row: exit code 1");
            });

    Files.createFile(flag);
    clock.advance(Duration.ofSeconds(1));
    assertThat(replicas.tick()).as("ready now").isTrue();
    assertThat(replicas.statuses())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.ready()).isTrue();
              assertThat(s.reason()).isNull();
              assertThat(s.message()).isNull();
            });

    Files.delete(flag);
    clock.advance(Duration.ofMillis(500));
    assertThat(replicas.tick()).as("not a period since the last probe").isFalse();
    clock.advance(Duration.ofMillis(500));
    assertThat(replicas.tick()).as("unready again").isTrue();
    assertThat(replicas.statuses()).singleElement().satisfies(s -> assertThat(s.ready()).isFalse());
    assertThat(replicas.statuses().get(0).restarts()).as("readiness never restarts").isZero();
  }

  @Test
  void aReplicaWhoseLivenessProbeFailsIsStoppedAndStartedAgain() throws Exception {
    Path flag = root.resolve("alive");
    replicas = new Replicas(runtime, root, clock, HERE_AND_NOW);
    replicas.assign(List.of(probed("w-0", null, check(flag, 2))));
    replicas.tick(); // started
    long first = pidOf("w-0");
    clock.advance(Duration.ofSeconds(1));
    replicas.tick(); // failure 1
    clock.advance(Duration.ofSeconds(1));
    replicas.tick(); // failure 2: dead
    assertThat(ProcessHandle.of(first)).as("still running until the next round").isPresent();
    clock.advance(Duration.ofSeconds(1));
    replicas.tick();
    assertThat(ProcessHandle.of(first)).isEmpty();
    assertThat(replicas.statuses())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.state()).isEqualTo("Failed");
              assertThat(s.reason()).isEqualTo("Unhealthy");
              assertThat(s.message())
                  .startsWith(
                      "liveness probe exec [test, -f, " + flag + "] failed 2 times in a row");
              assertThat(s.restarts()).isEqualTo(1);
            });

    Files.createFile(flag); // healthy from now on
    clock.advance(Duration.ofSeconds(1));
    replicas.tick();
    long second = pidOf("w-0");
    assertThat(second).isNotEqualTo(first);
    for (int i = 0; i < 4; i++) {
      clock.advance(Duration.ofSeconds(1));
      replicas.tick();
    }
    assertThat(pidOf("w-0")).isEqualTo(second);
    assertThat(replicas.statuses())
        .singleElement()
        .satisfies(s -> assertThat(s.state()).isEqualTo("Running"));
  }

  @Test
  void aReplicasOutputIsRotatedPastItsLimitAndItsLastLinesStillRead() throws Exception {
    replicas = new Replicas(runtime, root, clock, HERE_AND_NOW);
    // a chatty replica: 12 MiB of lines, then one it says last, then quiet
    replicas.assign(
        List.of(
            replica(
                "w-0",
                "yes 'the same line again, and again, and again, and again' | head -c 12582912;"
                    + " echo; echo the last line; sleep 60")));
    replicas.tick();
    Path output = root.resolve("w-0/output.log");
    waitFor(() -> Files.readString(output).contains("the last line"));
    assertThat(Files.size(output)).isGreaterThan(ProcessRuntime.ROTATE_AT);
    assertThat(runtime.lastOutput(root.resolve("w-0"), 1)).isEqualTo("the last line");

    clock.advance(Duration.ofSeconds(1));
    replicas.tick();
    assertThat(Files.size(output)).as("emptied").isZero();
    assertThat(root.resolve("w-0/output.log.1")).content().endsWith("the last line\n");
  }

  /** Passes while the file exists (run as the replica's user, beside it). */
  static ReplicaProbe check(Path file, int failureThreshold) {
    return new ReplicaProbe(
        null,
        null,
        new ReplicaProbe.Exec(List.of("test", "-f", file.toString())),
        0,
        1,
        1,
        1,
        failureThreshold);
  }

  static AssignedReplica probed(String name, ReplicaProbe readiness, ReplicaProbe liveness) {
    return new AssignedReplica(
        name,
        "w",
        null,
        List.of("sh", "-c", "sleep 60"),
        null,
        null,
        null,
        null,
        readiness,
        liveness);
  }

  /** Probes run at once, on the supervisor's thread: results count in the same round. */
  static final Replicas.Prober HERE_AND_NOW =
      (probe, address, exec) ->
          CompletableFuture.completedFuture(Probes.runNow(probe, address, exec));

  private long pidOf(String replica) throws Exception {
    String json = Files.readString(root.resolve(replica).resolve("started.json"));
    return AgentState.JSON.readTree(json).get("pid").asLong();
  }

  interface Check {
    boolean ok() throws Exception;
  }

  static void waitFor(Check check) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!check.ok()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 10 s");
      }
      Thread.sleep(20);
    }
  }

  static final class MovableClock extends Clock {
    private Instant now = Instant.parse("2026-11-22T00:00:00Z");

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
