package io.meshfed.provider.local;

import java.nio.file.Path;
import java.util.List;

/**
 * Where the local provider keeps its machines.
 *
 * @param stateRoot one directory per machine, named by the Peer's UID
 * @param bridge the bridge every machine's veth joins
 * @param bridgeAddress the bridge's own address and prefix, e.g. {@code 198.18.0.1/16}; machines
 *     get the following addresses of that network
 * @param agentCommand how to start the agent, e.g. {@code java -jar /opt/meshfed/meshfed-agent.jar}
 * @param agentOptions more options for {@code meshfed-agent join}, e.g. {@code --status-interval
 *     5s}
 * @param containerCommand how the agents run podman (their {@code --container-command}); empty when
 *     they run processes. A deleted machine's containers and networks go with it.
 */
public record LocalSettings(
    Path stateRoot,
    String bridge,
    String bridgeAddress,
    List<String> agentCommand,
    List<String> agentOptions,
    List<String> containerCommand) {
  public LocalSettings {
    agentCommand = List.copyOf(agentCommand);
    agentOptions = List.copyOf(agentOptions);
    containerCommand = List.copyOf(containerCommand);
  }

  public LocalSettings(
      Path stateRoot,
      String bridge,
      String bridgeAddress,
      List<String> agentCommand,
      List<String> agentOptions) {
    this(stateRoot, bridge, bridgeAddress, agentCommand, agentOptions, List.of());
  }

  public String bridgeIp() {
    return bridgeAddress.substring(0, bridgeAddress.indexOf('/'));
  }

  public int prefixLength() {
    return Integer.parseInt(bridgeAddress.substring(bridgeAddress.indexOf('/') + 1));
  }
}
