package io.meshfed.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.meshfed.api.agent.BootstrapSecrets;
import io.meshfed.api.agent.Tokens;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.MeshClusterStatus;
import io.meshfed.api.v1alpha1.Peer;
import io.meshfed.api.v1alpha1.PeerRole;
import io.meshfed.api.v1alpha1.PeerSpec;
import io.meshfed.api.v1alpha1.ProviderType;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import picocli.CommandLine;

/**
 * A machine that joins by itself (join-command's host, switch's laptop): a static Peer, its
 * one-time bootstrap token, and where to present it.
 */
record HostInvitation(String server, String caHash, String peer, String token, Instant expires) {

  /** The cluster's agent API address and CA hash, or why there are none yet. */
  static MeshClusterStatus agentApi(ClusterSnapshot snapshot) {
    var status = snapshot.cluster().getStatus();
    if (status == null || status.getEndpoint() == null || status.getCaHash() == null) {
      String cluster = snapshot.cluster().getMetadata().getName();
      throw new IllegalStateException(
          "MeshCluster "
              + cluster
              + " has no agent API endpoint and CA hash in its status"
              + " yet: is the operator running? (kubectl meshfed troubleshoot "
              + cluster
              + ")");
    }
    return status;
  }

  /**
   * Makes the Peer (roles null: the default) and its token, valid for {@code ttl}.
   *
   * @param taken what to tell when a peer of that name exists
   */
  static HostInvitation create(
      KubernetesClient client,
      CommandLine cli,
      ClusterSnapshot snapshot,
      String peerName,
      List<PeerRole> roles,
      Duration ttl,
      String taken) {
    MeshClusterStatus status = agentApi(snapshot);
    String namespace = snapshot.cluster().getMetadata().getNamespace();
    Peer peer = new Peer();
    peer.getMetadata().setName(peerName);
    peer.getMetadata().setNamespace(namespace);
    PeerSpec spec = new PeerSpec();
    spec.setClusterRef(new ClusterReference(snapshot.cluster().getMetadata().getName()));
    spec.setProvider(ProviderType.STATIC);
    spec.setRoles(roles);
    peer.setSpec(spec);
    Peer created;
    try {
      created = client.resource(peer).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        throw new CommandLine.ParameterException(
            cli, "a peer " + peerName + " exists already: " + taken);
      }
      throw e;
    }
    String secret = BootstrapSecrets.randomToken();
    Instant expires = Instant.now().plus(ttl).truncatedTo(ChronoUnit.SECONDS);
    client.resource(BootstrapSecrets.secret(created, secret, expires)).create();
    return new HostInvitation(
        status.getEndpoint(),
        status.getCaHash(),
        peerName,
        Tokens.format(Tokens.Kind.BOOTSTRAP, namespace, peerName, secret),
        expires);
  }
}
