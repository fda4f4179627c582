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
 * @param message for Failed: the last lines of its output
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReplicaStatus(
    String name, String state, String address, int restarts, Integer exitCode, String message) {
  public static final String PENDING = "Pending";
  public static final String STARTING = "Starting";
  public static final String RUNNING = "Running";
  public static final String FAILED = "Failed";
}
