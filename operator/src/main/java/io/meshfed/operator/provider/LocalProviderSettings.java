package io.meshfed.operator.provider;

import io.meshfed.operator.config.MeshfedConfig;
import io.meshfed.provider.local.LocalMachineProvider;
import io.meshfed.provider.local.LocalSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The local provider, configured from {@code meshfed.local.*}. */
public final class LocalProviderSettings {
  private LocalProviderSettings() {}

  static LocalMachineProvider provider(MeshfedConfig.Local config) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(config.agentJvmOptions());
    command.add("-jar");
    command.add(agentJar(config).toString());
    List<String> options =
        new ArrayList<>(List.of("--status-interval", config.agentStatusInterval()));
    config.wireguardGo().ifPresent(binary -> options.addAll(List.of("--wireguard-go", binary)));
    if (!config.agentRuntime().equals("process")) {
      options.addAll(
          List.of(
              "--runtime",
              config.agentRuntime(),
              "--container-command",
              config.containerCommand()));
    }
    return new LocalMachineProvider(
        new LocalSettings(
            Path.of(config.stateRoot()),
            config.bridge(),
            config.bridgeAddress(),
            command,
            options,
            config.agentRuntime().equals("process")
                ? List.of()
                : List.of(config.containerCommand().strip().split("\\s+"))));
  }

  /** The configured jar, or the one the build made next to this operator, or the packaged one. */
  public static Path agentJar(MeshfedConfig.Local config) {
    if (config.agentJar().isPresent()) {
      return Path.of(config.agentJar().get()).toAbsolutePath();
    }
    for (String candidate :
        List.of(
            "agent/target/meshfed-agent.jar",
            "../agent/target/meshfed-agent.jar",
            "/opt/meshfed/meshfed-agent.jar")) {
      Path path = Path.of(candidate).toAbsolutePath().normalize();
      if (Files.isRegularFile(path)) {
        return path;
      }
    }
    // reported when a local machine is made, not at start: operators without local peers do not
    // care
    return Path.of("agent/target/meshfed-agent.jar").toAbsolutePath();
  }
}
