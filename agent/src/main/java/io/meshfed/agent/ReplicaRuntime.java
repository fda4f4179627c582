package io.meshfed.agent;

import io.meshfed.api.agent.AssignedReplica;
import io.meshfed.provider.spi.Command;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** How replicas run on this peer: processes, or podman/docker containers. */
public interface ReplicaRuntime {

  /** A failure that says why in one CamelCase word, for a status or an API answer. */
  abstract class Refusal extends IOException {
    private final String reason;

    Refusal(String reason, String message) {
      super(message);
      this.reason = reason;
    }

    public String reason() {
      return reason;
    }
  }

  /** A replica that cannot be started (ReplicaStatus' reasons). */
  final class StartFailure extends Refusal {
    public StartFailure(String reason, String message) {
      super(reason, message);
    }
  }

  /** No output to send (NoPreviousRun, NoOutput, ReplicaNotFound). */
  final class NoOutput extends Refusal {
    public NoOutput(String reason, String message) {
      super(reason, message);
    }
  }

  /** A started replica. */
  interface Handle {
    boolean alive();

    /** The exit code once it has exited, when the runtime can know it. */
    OptionalInt exitCode();

    /** The address it is reachable at over the mesh. */
    String address();

    /** Stops it: politely, then, after {@code grace}, by force. */
    void stop(Duration grace);
  }

  /** Starts the replica; {@code dir} is its own directory for output and bookkeeping. */
  Handle start(AssignedReplica replica, Path dir) throws IOException;

  /**
   * The replica as an earlier agent process left it running, if it still runs with the same spec:
   * an agent restart must not start a second copy.
   */
  Optional<Handle> adopt(AssignedReplica replica, Path dir);

  /** Its output's last lines, for a Failed status. */
  String lastOutput(Path dir, int lines);

  /**
   * Its output: all that is kept, or the last {@code tailLines} lines; then, when {@code follow},
   * what it writes from now on, until the stream is closed. With {@code previous}, the output of
   * its run before the last restart on this peer.
   */
  InputStream output(Path dir, Integer tailLines, boolean follow, boolean previous)
      throws IOException;

  /** Keeps its output on disk bounded (the engine does for containers). */
  default void rotate(Path dir) {}

  /**
   * Runs a command for a running replica (an exec probe): inside its container, or beside a process
   * as the same user with the same environment.
   */
  Command.Result exec(AssignedReplica replica, Path dir, List<String> command, Duration timeout);
}
