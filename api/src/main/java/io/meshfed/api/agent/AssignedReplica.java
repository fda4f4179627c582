package io.meshfed.api.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * A workload replica the operator placed on this peer. The agent runs it until it is no longer
 * assigned, and runs it again when any field changes.
 *
 * @param name the replica, {@code <workload>-<index>}
 * @param workload the Workload's name
 * @param image container image; null for a process
 * @param command the entrypoint (the process to run when there is no image)
 * @param args arguments to the command
 * @param env environment, values resolved by the operator
 * @param ports ports the replica listens on
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AssignedReplica(
    String name,
    String workload,
    String image,
    List<String> command,
    List<String> args,
    Map<String, String> env,
    List<Integer> ports) {}
