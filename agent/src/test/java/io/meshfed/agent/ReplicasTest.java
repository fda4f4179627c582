package io.meshfed.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.api.agent.AssignedReplica;
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
    replicas = new Replicas(runtime, root, clock);
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
    replicas = new Replicas(runtime, root, clock);
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
    replicas = new Replicas(runtime, closed.resolve("replicas"), clock);
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
    replicas = new Replicas(runtime, root, clock);
    replicas.assign(List.of(replica("w-0", "echo about to fail; exit 3")));
    replicas.tick();
    long firstPid = pidOf("w-0");
    waitFor(() -> ProcessHandle.of(firstPid).isEmpty());
    replicas.tick();
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
  }

  @Test
  void unassignedReplicasStopAndAChangedSpecStartsAFreshProcess() throws Exception {
    replicas = new Replicas(runtime, root, clock);
    replicas.assign(List.of(replica("w-0", "sleep 60"), replica("w-1", "sleep 60")));
    replicas.tick();
    long w0 = pidOf("w-0");
    long w1 = pidOf("w-1");

    replicas.assign(List.of(replica("w-0", "sleep 61")));
    replicas.tick();
    assertThat(ProcessHandle.of(w1)).isEmpty();
    assertThat(ProcessHandle.of(w0)).isEmpty();
    assertThat(pidOf("w-0")).isNotEqualTo(w0);
    assertThat(replicas.statuses()).extracting(ReplicaStatus::name).containsExactly("w-0");
  }

  @Test
  void newRegistryCredentialsAloneRestartNothing() throws Exception {
    replicas = new Replicas(runtime, root, clock);
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
                "{\"auths\":{}}")));
    replicas.tick();
    assertThat(pidOf("w-0")).isEqualTo(pid);
  }

  @Test
  void aRestartedAgentFindsItsReplicasInsteadOfStartingThemTwice() throws Exception {
    replicas = new Replicas(runtime, root, clock);
    replicas.assign(List.of(replica("w-0", "sleep 60")));
    replicas.tick();
    long pid = pidOf("w-0");

    // a new agent process: same state directory, same assignment
    Replicas restarted = new Replicas(runtime, root, clock);
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
