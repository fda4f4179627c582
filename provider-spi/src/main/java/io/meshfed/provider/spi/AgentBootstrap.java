package io.meshfed.provider.spi;

/**
 * What a new machine's agent needs to join: the agent API's URL, the hash that pins its CA, and a
 * one-time token bound to this peer. Clouds carry it in cloud-init user data; the local provider
 * passes it on the agent's command line.
 */
public record AgentBootstrap(String server, String caHash, String token) {
  @Override
  public String toString() {
    // the token is a secret
    return "AgentBootstrap[server=" + server + ", caHash=" + caHash + "]";
  }
}
