package io.meshfed.api.agent;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * How a replica on this peer is doing, as the agent reports it.
 *
 * @param name the replica
 * @param state Pending, Starting, Running or Failed
 * @param address the address it is reachable at over the mesh
 * @param restarts how often the agent has started it again
 * @param exitCode its last exit code, when it has exited
 * @param message for Failed: the last lines of its output, or why it could not start
 * @param reason for Failed, in CamelCase: Exited, ImagePullFailed, StartFailed or Unhealthy; for a
 *     Running replica that is not ready: NotReady
 * @param ready for Running: whether its readiness probe passes (null from agents before probes:
 *     ready when Running)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReplicaStatus(
    String name,
    String state,
    String address,
    int restarts,
    Integer exitCode,
    String message,
    String reason,
    Boolean ready) {
  /** A report without a reason (agents before 0.2, and every state but Failed). */
  public ReplicaStatus(
      String name, String state, String address, int restarts, Integer exitCode, String message) {
    this(name, state, address, restarts, exitCode, message, null, null);
  }

  /** Running and ready: gets traffic by name, counts as available. */
  public boolean serving() {
    return RUNNING.equals(state) && !Boolean.FALSE.equals(ready);
  }

  public static final String PENDING = "Pending";
  public static final String STARTING = "Starting";
  public static final String RUNNING = "Running";
  public static final String FAILED = "Failed";

  /** It ran and exited; exitCode and message say how. */
  public static final String EXITED = "Exited";

  /** Its image could not be pulled (unknown name or tag, refused credentials, no registry). */
  public static final String IMAGE_PULL_FAILED = "ImagePullFailed";

  /** It could not be started for another reason; message says which. */
  public static final String START_FAILED = "StartFailed";

  /** Its liveness probe failed failureThreshold times in a row; the agent stopped it. */
  public static final String UNHEALTHY = "Unhealthy";

  /** It runs, and its readiness probe does not pass (yet); message says what the probe saw. */
  public static final String NOT_READY = "NotReady";
}
