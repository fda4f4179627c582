package io.meshfed.api.agent;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What an agent knows about its machine.
 *
 * @param cpuCores logical CPUs
 * @param memoryBytes physical memory
 * @param os operating system, e.g. "linux"
 * @param arch machine architecture, e.g. "amd64"
 * @param agentVersion the agent's version
 * @param hostname the machine's host name
 * @param wireguard which WireGuard moves its packets: {@code kernel} or {@code wireguard-go
 *     <version>}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AgentFacts(
    Integer cpuCores,
    Long memoryBytes,
    String os,
    String arch,
    String agentVersion,
    String hostname,
    String wireguard) {

  /** Facts of an agent that does not say which WireGuard it runs (agents before it did). */
  public AgentFacts(
      Integer cpuCores,
      Long memoryBytes,
      String os,
      String arch,
      String agentVersion,
      String hostname) {
    this(cpuCores, memoryBytes, os, arch, agentVersion, hostname, null);
  }
}
