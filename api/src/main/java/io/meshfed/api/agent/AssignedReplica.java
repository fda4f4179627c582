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
 * @param registryAuth credentials for pulling the image: a containers-auth.json document (the
 *     Workload's imagePullSecrets merged); only in the maps of the peers that run the replica. A
 *     change of it alone does not restart the replica (it is used at the next pull).
 * @param readinessProbe when the replica is ready (null: when it runs)
 * @param livenessProbe when the replica is alive (null: while it runs)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AssignedReplica(
    String name,
    String workload,
    String image,
    List<String> command,
    List<String> args,
    Map<String, String> env,
    List<Integer> ports,
    String registryAuth,
    ReplicaProbe readinessProbe,
    ReplicaProbe livenessProbe) {

  /** A replica without registry credentials. */
  public AssignedReplica(
      String name,
      String workload,
      String image,
      List<String> command,
      List<String> args,
      Map<String, String> env,
      List<Integer> ports) {
    this(name, workload, image, command, args, env, ports, null, null, null);
  }

  /** What the replica runs: everything but the credentials its image is pulled with. */
  public AssignedReplica withoutRegistryAuth() {
    return registryAuth == null
        ? this
        : new AssignedReplica(
            name, workload, image, command, args, env, ports, null, readinessProbe, livenessProbe);
  }

  /** Never the credentials, whoever prints a replica. */
  @Override
  public String toString() {
    return "AssignedReplica[name="
        + name
        + ", workload="
        + workload
        + ", image="
        + image
        + (registryAuth == null ? "" : ", registryAuth=(hidden)")
        + "]";
  }
}
