package io.meshfed.operator.join;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.meshfed.api.agent.Tokens;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.operator.config.MeshfedConfig;
import io.meshfed.operator.server.AgentApiEndpoint;
import io.meshfed.operator.server.AgentApiTls;
import io.meshfed.provider.spi.AgentBootstrap;
import io.smallrye.common.annotation.Identifier;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.Optional;

/**
 * A machine's way in: its one-time bootstrap token, and the way out: revoking what it joined with.
 */
@Singleton
public class AgentBootstraps {
  private final KubernetesClient client;
  private final AgentApiTls tls;
  private final AgentApiEndpoint endpoint;
  private final MeshfedConfig config;

  private final Clock clock;

  public AgentBootstraps(
      KubernetesClient client,
      @Identifier("agent-api") AgentApiTls tls,
      AgentApiEndpoint endpoint,
      MeshfedConfig config,
      Clock clock) {
    this.clock = clock;
    this.client = client;
    this.tls = tls;
    this.endpoint = endpoint;
    this.config = config;
  }

  /** The bootstrap of a machine the operator makes; its token Secret is made on first need. */
  public AgentBootstrap forMachine(Peer peer, Optional<Secret> cached) {
    Secret secret = cached.orElseGet(() -> ensureSecret(peer));
    String token = AgentSecrets.read(secret, AgentSecrets.BOOTSTRAP_TOKEN);
    return new AgentBootstrap(
        endpoint.url(),
        tls.caHash(),
        Tokens.format(
            Tokens.Kind.BOOTSTRAP,
            peer.getMetadata().getNamespace(),
            peer.getMetadata().getName(),
            token));
  }

  /** The cloud-init user data that installs and starts the agent with this bootstrap. */
  public String userData(Peer peer, AgentBootstrap bootstrap) {
    return CloudInit.userData(bootstrap, tls.caPem(), peer.getMetadata().getName());
  }

  private Secret ensureSecret(Peer peer) {
    var secrets = client.secrets().inNamespace(peer.getMetadata().getNamespace());
    Secret existing =
        secrets.withName(AgentSecrets.bootstrapSecretName(peer.getMetadata().getName())).get();
    if (existing != null) {
      return existing;
    }
    Secret fresh =
        AgentSecrets.bootstrapSecret(
            peer,
            AgentSecrets.randomSecret(),
            clock.instant().plus(config.agentApi().bootstrapTokenTtl()));
    try {
      return secrets.resource(fresh).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return secrets.withName(fresh.getMetadata().getName()).get();
      }
      throw e;
    }
  }

  /** Deleting a Peer revokes its credential and token and ends its heartbeat Lease. */
  public void revoke(KubernetesClient client, Peer peer) {
    String namespace = peer.getMetadata().getNamespace();
    String name = peer.getMetadata().getName();
    client.secrets().inNamespace(namespace).withName(AgentSecrets.agentSecretName(name)).delete();
    client
        .secrets()
        .inNamespace(namespace)
        .withName(AgentSecrets.bootstrapSecretName(name))
        .delete();
    client
        .resources(Lease.class)
        .inNamespace(namespace)
        .withName(AgentSecrets.leaseName(name))
        .delete();
  }
}
