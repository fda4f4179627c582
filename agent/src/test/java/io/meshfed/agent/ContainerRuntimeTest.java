package io.meshfed.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.api.agent.AssignedReplica;
import io.meshfed.api.agent.SelfConfig;
import io.meshfed.provider.spi.Command;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container runtimes by the exact commands they issue, each command's answer scripted by the
 * test: what no engine shows (options never made of spec fields, values never on a command line).
 * Real podman containers on local peers, pulled from a real registry: e2e's ContainerWorkloadTest.
 */
class ContainerRuntimeTest {
  static final SelfConfig SELF =
      new SelfConfig(
          "p1", "apps", "100.64.3.1", "100.64.3.0/24", "100.64.0.0/16", 51820, null, "apps.mesh");

  @TempDir Path root;

  final List<String> issued = new ArrayList<>();
  final List<List<String>> argvs = new ArrayList<>();
  final List<Map<String, String>> environments = new ArrayList<>();

  /** The address the scripted engine gives containers (its IPAM), asked for after a run. */
  String given = "100.64.3.129";

  static final String ADDRESS_OF =
      "inspect -f {{(index .NetworkSettings.Networks \"mf-apps-p1\").IPAddress}} ";

  ContainerRuntime runtime(String binary, Function<String, Command.Result> answers) {
    return new ContainerRuntime(
        binary,
        (argv, environment, timeout) -> {
          String line = String.join(" ", argv);
          issued.add(line);
          argvs.add(argv);
          environments.add(environment);
          return line.contains(ADDRESS_OF) ? ok(given + "\n") : answers.apply(line);
        },
        () -> SELF);
  }

  /** The last {@code run} issued. */
  int indexOfRun() {
    for (int i = argvs.size() - 1; i >= 0; i--) {
      if (argvs.get(i).contains("run")) {
        return i;
      }
    }
    throw new AssertionError("no run in " + issued);
  }

  static Command.Result ok(String out) {
    return new Command.Result(0, out, "");
  }

  static Command.Result failed(String err) {
    return new Command.Result(1, "", err);
  }

  static AssignedReplica web(int index) {
    return new AssignedReplica(
        "web-" + index,
        "web",
        "nginx:1.27",
        List.of("nginx", "-g"),
        List.of("daemon off;"),
        Map.of("B", "2", "A", "1"),
        List.of(80));
  }

  @Test
  void startCreatesTheSubnetsBridgeOnceAndRunsTheContainerOnItsOwnAddressWithTheMeshDns()
      throws Exception {
    ContainerRuntime podman =
        runtime(
            "podman",
            line ->
                line.startsWith("podman network inspect")
                    ? failed("no such network")
                    : ok("abc123\n"));
    var handle = podman.start(web(0), root.resolve("web-0"));
    String hash = ContainerRuntime.specHash(web(0));
    assertThat(issued)
        .containsExactly(
            "podman image inspect --format {{.Id}} nginx:1.27",
            "podman network inspect mf-apps-p1",
            "podman network create --driver bridge --subnet 100.64.3.128/25 --gateway 100.64.3.254 mf-apps-p1",
            "sysctl -w net.ipv4.ip_forward=1",
            "podman container inspect --format {{.Id}} mf-apps-p1-web-0",
            "podman logs mf-apps-p1-web-0",
            "podman rm -f mf-apps-p1-web-0",
            "podman run -d --name=mf-apps-p1-web-0 --label=meshfed.io/replica=web-0 --label=meshfed.io/spec="
                + hash
                + " --network=mf-apps-p1 --dns=100.64.3.1 --log-opt=max-size=10m"
                + " --dns-search=apps.mesh"
                + " --env=A --env=B --env=MESHFED_REPLICA --env=MESHFED_WORKLOAD"
                + " --entrypoint=nginx -- nginx:1.27 -g daemon off;",
            "podman " + ADDRESS_OF + "mf-apps-p1-web-0");
    assertThat(handle.address()).isEqualTo("100.64.3.129");
    // the output of the container it replaces is kept for `logs --previous` (the engine's goes)
    try (var previous = podman.output(root.resolve("web-0"), null, false, true)) {
      assertThat(new String(previous.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("abc123\n");
    }
    // between a crash and its next start there is no container to read: say so, not the
    // engine's "no such container" as if it were output
    ContainerRuntime gone =
        runtime(
            "podman", line -> line.startsWith("podman container inspect") ? failed("") : ok(""));
    assertThatThrownBy(() -> gone.output(root.resolve("web-0"), 5, false, false))
        .isInstanceOfSatisfying(
            ReplicaRuntime.NoOutput.class,
            e -> {
              assertThat(e.reason()).isEqualTo("NoOutput");
              assertThat(e.getMessage()).contains("web-0", "--previous");
            });
    assertThat(issued).contains("podman container inspect --format {{.Id}} mf-apps-p1-web-0");
    // the values are in the runtime's environment, not on its command line
    assertThat(environments.get(indexOfRun()))
        .containsEntry("A", "1")
        .containsEntry("B", "2")
        .containsEntry("MESHFED_REPLICA", "web-0");

    // the next replica has the address the engine gave it; the network exists now
    issued.clear();
    given = "100.64.3.130";
    ContainerRuntime docker = runtime("docker", line -> ok(""));
    assertThat(docker.start(web(1), root.resolve("web-1")).address()).isEqualTo("100.64.3.130");
    assertThat(issued.get(1)).isEqualTo("docker network inspect mf-apps-p1");
    assertThat(issued).noneMatch(l -> l.contains("network create") || l.contains("--ip"));
  }

  @Test
  void aContainerWithoutAnAddressOnThePeersNetworkIsRemovedAndSaysSo() {
    for (String answer : List.of("<no value>", "", "10.88.0.5", "100.64.3.5")) {
      issued.clear();
      given = answer; // none, or outside the containers' half of the subnet
      assertThatThrownBy(() -> runtime("podman", line -> ok("")).start(web(0), root.resolve("w")))
          .as(answer)
          .hasMessage("podman started mf-apps-p1-web-0 without an address on mf-apps-p1");
      assertThat(issued).last().isEqualTo("podman rm -f mf-apps-p1-web-0");
    }
  }

  @Test
  void anErrorSaysTheEnginesErrorNotTheWarningsBeforeIt() {
    Command.Result warnedThenFailed =
        new Command.Result(
            125,
            "",
            "time=\"2026-12-05T18:48:36Z\" level=warning msg=\"Failed to load cached network"
                + " config\"\nError: plugin type=\"bridge\" failed (add): address not available\n");
    assertThat(ContainerRuntime.errorOf(warnedThenFailed))
        .isEqualTo("Error: plugin type=\"bridge\" failed (add): address not available");
    assertThat(ContainerRuntime.errorOf(new Command.Result(125, "", "level=warning msg=x\n")))
        .isEqualTo("level=warning msg=x");
    assertThat(ContainerRuntime.errorOf(new Command.Result(125, "", "")))
        .isEqualTo("exit code 125");
  }

  @Test
  void noFieldOfTheSpecBecomesAnOptionOfTheRuntime() throws Exception {
    ContainerRuntime podman = runtime("podman", line -> ok(""));
    AssignedReplica hostile =
        new AssignedReplica(
            "web-0", "web", "--volume=/:/host", null, null, Map.of("TOKEN", "s3cret"), List.of(80));
    assertThatThrownBy(() -> podman.start(hostile, root.resolve("web-0")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("is not an image reference");
    assertThat(issued).noneMatch(l -> l.contains("run"));

    // args and a command that look like options stay the container's: after "--" and the image
    AssignedReplica tricky =
        new AssignedReplica(
            "web-0",
            "web",
            "registry.example:5000/team/web:1.0",
            List.of("--privileged", "--volume=/:/host"),
            List.of("--pid=host"),
            Map.of("TOKEN", "s3cret"),
            List.of(80));
    podman.start(tricky, root.resolve("web-0"));
    List<String> run = argvs.get(indexOfRun());
    int end = run.indexOf("--");
    assertThat(run.subList(end + 1, run.size()))
        .containsExactly("registry.example:5000/team/web:1.0", "--volume=/:/host", "--pid=host");
    assertThat(run.subList(0, end))
        .contains("--entrypoint=--privileged")
        .noneMatch(
            a -> a.equals("--privileged") || a.startsWith("--volume") || a.equals("--pid=host"));
    assertThat(String.join(" ", run)).doesNotContain("s3cret");

    AssignedReplica badName =
        new AssignedReplica(
            "web-0", "web", "nginx:1.27", null, null, Map.of("A=B", "x"), List.of(80));
    assertThatThrownBy(() -> podman.start(badName, root.resolve("web-0")))
        .hasMessageContaining("is not an environment variable name");
  }

  @Test
  void aRestartAdoptsOnlyARunningContainerOfTheSameSpecWithItsAddress() throws Exception {
    String hash = ContainerRuntime.specHash(web(0));

    var adopted =
        runtime("podman", line -> ok(hash + " true\n")).adopt(web(0), root.resolve("web-0"));
    assertThat(adopted).isPresent();
    assertThat(adopted.get().address()).isEqualTo("100.64.3.129");
    assertThat(issued)
        .containsExactly(
            "podman inspect -f {{index .Config.Labels \"meshfed.io/spec\"}} {{.State.Running}} mf-apps-p1-web-0",
            "podman " + ADDRESS_OF + "mf-apps-p1-web-0");

    issued.clear();
    assertThat(
            runtime("podman", line -> ok(hash + " false\n")).adopt(web(0), root.resolve("web-0")))
        .isEmpty();
    assertThat(issued).last().isEqualTo("podman rm -f mf-apps-p1-web-0");

    issued.clear();
    AssignedReplica changed =
        new AssignedReplica("web-0", "web", "nginx:1.28", null, null, null, null);
    assertThat(
            runtime("podman", line -> ok(hash + " true\n")).adopt(changed, root.resolve("web-0")))
        .isEmpty();
    assertThat(issued).last().isEqualTo("podman rm -f mf-apps-p1-web-0");
  }

  @Test
  void twoPeersOnOneHostNeverTouchEachOthersContainerOfAReplica() throws Exception {
    // the local provider's peers share the host's engine; a replica moved from p1 to p2 runs on
    // p2 while p1 still stops its own copy
    SelfConfig other =
        new SelfConfig(
            "p2", "apps", "100.64.4.1", "100.64.4.0/24", "100.64.0.0/16", 51820, null, "apps.mesh");
    List<String> byP2 = new ArrayList<>();
    ContainerRuntime p2 =
        new ContainerRuntime(
            "podman",
            (argv, environment, timeout) -> {
              byP2.add(String.join(" ", argv));
              return ok(argv.contains("inspect") ? "100.64.4.130\n" : "");
            },
            () -> other);
    p2.start(web(0), root.resolve("p2").resolve("web-0"));
    runtime("podman", line -> ok("")).start(web(0), root.resolve("p1").resolve("web-0"));

    assertThat(byP2)
        .contains("podman rm -f mf-apps-p2-web-0")
        .noneMatch(line -> line.contains("mf-apps-p1-web-0"));
    assertThat(issued)
        .contains("podman rm -f mf-apps-p1-web-0")
        .noneMatch(line -> line.contains("mf-apps-p2-web-0"));
    assertThat(issued).anyMatch(line -> line.contains(" run -d --name=mf-apps-p1-web-0 "));
  }

  @Test
  void anExitedContainerReportsItsExitCodeAndItsLogs() throws Exception {
    ContainerRuntime podman =
        runtime(
            "podman",
            line ->
                line.contains("{{.State.Running}} {{.State.ExitCode}}")
                    ? ok("false 137\n")
                    : line.startsWith("podman logs") ? ok("killed\n") : ok(""));
    var handle = podman.start(web(0), root.resolve("web-0"));
    assertThat(handle.alive()).isFalse();
    assertThat(handle.exitCode()).hasValue(137);
    assertThat(podman.lastOutput(root.resolve("web-0"), 5)).isEqualTo("killed");
    assertThat(issued).contains("podman logs --tail 5 mf-apps-p1-web-0");

    // stopped (as dead, to start again): its output is kept before the engine's goes with it
    Files.deleteIfExists(root.resolve("web-0").resolve(ContainerRuntime.PREVIOUS));
    issued.clear();
    handle.stop(Duration.ofSeconds(7));
    assertThat(issued)
        .containsSubsequence(
            "podman stop -t 7 mf-apps-p1-web-0",
            "podman logs mf-apps-p1-web-0",
            "podman rm -f mf-apps-p1-web-0")
        .last()
        .isEqualTo("podman rm -f mf-apps-p1-web-0");
    try (var previous = podman.output(root.resolve("web-0"), null, false, true)) {
      assertThat(new String(previous.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("killed\n");
    }
  }

  /**
   * A command that fails at once ends before its address is read: that is an exit with its code and
   * output (seen in CI as "started without an address", its output gone with the container).
   */
  @Test
  void aContainerThatExitsBeforeItsAddressIsReadIsAnExitWithItsOutputKept() throws Exception {
    given = "<no value>"; // the engine leaves no address to a stopped container
    ContainerRuntime podman =
        runtime(
            "podman",
            line ->
                line.contains("-f {{.State.Running}} {{.State.ExitCode}}")
                    ? ok("false 3\n")
                    : line.contains("-f {{.State.Running}} ")
                        ? ok("false\n")
                        : line.startsWith("podman logs") ? ok("going down\n") : ok(""));
    var handle = podman.start(web(0), root.resolve("web-0"));
    assertThat(issued.subList(indexOfRun(), issued.size()))
        .noneMatch(line -> line.startsWith("podman rm"));
    assertThat(handle.address()).isNull();
    assertThat(handle.alive()).isFalse();
    assertThat(handle.exitCode()).hasValue(3);
    assertThat(podman.lastOutput(root.resolve("web-0"), 1)).isEqualTo("going down");

    podman.start(web(0), root.resolve("web-0")); // its restart keeps what it said
    try (var previous = podman.output(root.resolve("web-0"), null, false, true)) {
      assertThat(new String(previous.readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo("going down\n");
    }
  }

  @Test
  void aReplicaWithoutAnImageOrAFailingRunIsAClearError() throws Exception {
    AssignedReplica process =
        new AssignedReplica("job-0", "job", null, List.of("sleep", "1"), null, null, null);
    assertThatThrownBy(
            () -> runtime("docker", line -> ok("")).start(process, root.resolve("job-0")))
        .hasMessageContaining("has no image");
    assertThatThrownBy(
            () ->
                runtime(
                        "docker",
                        line ->
                            line.startsWith("docker run")
                                ? failed("Error: image not known\n")
                                : ok(""))
                    .start(web(0), root.resolve("web-0")))
        .hasMessage("docker run mf-apps-p1-web-0 failed: Error: image not known");
  }

  @Test
  void anImageTheEngineLacksIsPulledFirstAndAFailedPullSaysImagePullFailed() throws Exception {
    ContainerRuntime podman =
        runtime(
            "podman",
            line ->
                line.startsWith("podman image inspect")
                    ? failed("Error: nginx:1.27: image not known\n")
                    : line.startsWith("podman pull")
                        ? failed(
                            "Trying to pull nginx:1.27...\nError: initializing source"
                                + " docker://nginx:1.27: manifest unknown\n")
                        : ok(""));
    assertThatThrownBy(() -> podman.start(web(0), root.resolve("web-0")))
        .isInstanceOfSatisfying(
            ReplicaRuntime.StartFailure.class,
            e -> assertThat(e.reason()).isEqualTo("ImagePullFailed"))
        .hasMessage(
            "podman could not pull nginx:1.27: Error: initializing source docker://nginx:1.27:"
                + " manifest unknown");
    assertThat(issued)
        .containsExactly(
            "podman image inspect --format {{.Id}} nginx:1.27", "podman pull --quiet nginx:1.27");

    issued.clear();
    runtime("podman", line -> line.startsWith("podman image") ? failed("") : ok(""))
        .start(web(1), root.resolve("web-1"));
    assertThat(issued)
        .contains("podman pull --quiet nginx:1.27")
        .anyMatch(l -> l.startsWith("podman run"));
  }

  @Test
  void theEngineRunsBehindTheCommandGivenAndLabelsWhatItMakesWithTheAgent() throws Exception {
    ContainerRuntime wrapped =
        new ContainerRuntime(
                "podman",
                List.of("nsenter", "--mount=/proc/1/ns/mnt", "--", "podman"),
                (argv, environment, timeout) -> {
                  issued.add(String.join(" ", argv));
                  return argv.contains("inspect") && argv.contains("network")
                      ? failed("no such network")
                      : ok(argv.contains("inspect") ? given : "");
                },
                () -> SELF)
            .labelledFor(Path.of("/run/meshfed-local/uid-1/agent"));
    wrapped.start(web(0), root.resolve("web-0"));
    assertThat(issued)
        .filteredOn(l -> !l.startsWith("sysctl"))
        .allMatch(l -> l.startsWith("nsenter --mount=/proc/1/ns/mnt -- podman "));
    assertThat(issued)
        .anyMatch(
            l ->
                l.contains(" network create ")
                    && l.contains("--label meshfed.io/agent=/run/meshfed-local/uid-1/agent"))
        .anyMatch(
            l ->
                l.contains(
                    " run -d --name=mf-apps-p1-web-0 --label=meshfed.io/replica=web-0"
                        + " --label=meshfed.io/agent=/run/meshfed-local/uid-1/agent --label=meshfed.io/spec="));
  }

  @Test
  void registryCredentialsReachThePullInAFileOnlyRootReadsNeverOnACommandLine() throws Exception {
    String auth = "{\"auths\":{\"registry.example:5000\":{\"auth\":\"dTpzM2NyZXQ=\"}}}";
    AssignedReplica privateImage =
        new AssignedReplica(
            "web-0",
            "web",
            "registry.example:5000/team/web:1.0",
            null,
            null,
            null,
            null,
            auth,
            null,
            null);
    List<String> seenInFile = new ArrayList<>();
    ContainerRuntime podman =
        runtime(
            "podman",
            line -> {
              if (line.startsWith("podman image inspect")) {
                return failed("image not known");
              }
              if (line.startsWith("podman pull")) {
                Path file = Path.of(line.replaceAll(".*--authfile=(\\S+).*", "$1"));
                try {
                  seenInFile.add(Files.readString(file));
                  seenInFile.add(
                      PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              }
              return ok("");
            });
    podman.start(privateImage, root.resolve("web-0"));
    assertThat(seenInFile).containsExactly(auth, "rw-------");
    assertThat(issued).noneMatch(l -> l.contains("dTpzM2NyZXQ"));
    assertThat(environments).noneMatch(e -> e.values().stream().anyMatch(v -> v.contains("dTpz")));
    assertThat(root.resolve("web-0/auth.json")).doesNotExist();
    // the credentials are not what the replica runs: the same container, whatever they are
    assertThat(ContainerRuntime.specHash(privateImage))
        .isEqualTo(ContainerRuntime.specHash(privateImage.withoutRegistryAuth()));
    assertThat(privateImage.toString()).doesNotContain("dTpz");
  }
}
