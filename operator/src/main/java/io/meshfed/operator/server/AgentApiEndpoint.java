package io.meshfed.operator.server;

import io.meshfed.operator.config.MeshfedConfig;
import io.quarkus.runtime.LaunchMode;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.ConfigProvider;

/** The URL agents reach the agent API at. */
@Singleton
public class AgentApiEndpoint {
  private final MeshfedConfig config;

  public AgentApiEndpoint(MeshfedConfig config) {
    this.config = config;
  }

  public String url() {
    return config.agentApi().endpoint().orElseGet(() -> "https://localhost:" + httpsPort());
  }

  private static int httpsPort() {
    String key =
        LaunchMode.current() == LaunchMode.TEST
            ? "quarkus.http.test-ssl-port"
            : "quarkus.http.ssl-port";
    return ConfigProvider.getConfig().getOptionalValue(key, Integer.class).orElse(8443);
  }
}
