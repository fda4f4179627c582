package io.meshfed.e2e;

import io.meshfed.provider.local.LocalMachineProvider;
import io.meshfed.provider.local.LocalSettings;
import io.meshfed.provider.spi.Command;
import io.meshfed.provider.spi.MachineRef;
import io.meshfed.provider.spi.ProviderContext;
import io.meshfed.provider.spi.ProviderException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Local machines as the launcher and the tests configure them, and the sweep that removes any a run
 * left behind (an operator killed before it deleted its peers): agents stopped by their own process
 * group, namespaces deleted, then the bridge.
 */
public final class LocalMachines {
  private LocalMachines() {}

  /** Operator settings for local machines under this state root, on this bridge. */
  public static Map<String, String> operatorProperties(
      Path repo, Path stateRoot, String bridge, String bridgeAddress) {
    Map<String, String> properties =
        new HashMap<>(baseProperties(repo, stateRoot, bridge, bridgeAddress));
    // the current wireguard-go that hack/lib.sh builds and names, where the kernel has no module
    String wireguardGo = System.getenv("MESHFED_WIREGUARD_GO");
    if (wireguardGo != null && !wireguardGo.isBlank()) {
      properties.put("meshfed.local.wireguard-go", wireguardGo);
    }
    return properties;
  }

  private static Map<String, String> baseProperties(
      Path repo, Path stateRoot, String bridge, String bridgeAddress) {
    return Map.of(
        "meshfed.local.state-root",
        stateRoot.toString(),
        "meshfed.local.bridge",
        bridge,
        "meshfed.local.bridge-address",
        bridgeAddress,
        "meshfed.local.agent-jar",
        repo.resolve("agent/target/meshfed-agent.jar").toString(),
        "meshfed.local.agent-status-interval",
        "2s");
  }

  public static void sweep(Path stateRoot, String bridge, String bridgeAddress) {
    sweep(
        stateRoot,
        bridge,
        bridgeAddress,
        Command.run(Duration.ofSeconds(10), null, List.of("sh", "-c", "command -v podman")).ok()
            ? List.of("podman")
            : List.of());
  }

  /**
   * The same, removing the machines' containers with this command line for podman (as the agents
   * run it: {@code meshfed.local.container-command}).
   */
  public static void sweep(
      Path stateRoot, String bridge, String bridgeAddress, List<String> containerCommand) {
    if (Files.isDirectory(stateRoot)) {
      LocalMachineProvider provider =
          new LocalMachineProvider(
              new LocalSettings(
                  stateRoot,
                  bridge,
                  bridgeAddress,
                  List.of(),
                  List.of(),
                  // containers an earlier run's agents left go with their machines
                  Command.run(
                              Duration.ofSeconds(10),
                              null,
                              List.of("sh", "-c", "command -v podman"))
                          .ok()
                      ? List.of("podman")
                      : List.of()));
      ProviderContext context = new ProviderContext(null, "sweep", Map.of(), Map.of());
      try (Stream<Path> dirs = Files.list(stateRoot)) {
        for (Path dir : dirs.filter(Files::isDirectory).toList()) {
          String peerId = dir.getFileName().toString();
          try {
            provider.delete(context, new MachineRef(null, peerId, peerId, null, null, null));
          } catch (ProviderException | RuntimeException e) {
            System.err.println(
                "meshfed: could not remove local machine " + peerId + ": " + e.getMessage());
          }
        }
      } catch (IOException e) {
        System.err.println("meshfed: could not list " + stateRoot + ": " + e.getMessage());
      }
    }
    Command.run(Duration.ofSeconds(10), null, List.of("ip", "link", "delete", bridge));
  }
}
