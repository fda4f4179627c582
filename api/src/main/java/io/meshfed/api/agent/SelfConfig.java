package io.meshfed.api.agent;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A peer's own place in the mesh.
 *
 * @param name the Peer's name
 * @param cluster the MeshCluster's name
 * @param meshAddress the peer's mesh address (first host of its subnet)
 * @param subnet the subnet the peer owns, CIDR notation
 * @param clusterCidr the whole mesh network, routed over the WireGuard interface
 * @param listenPort the WireGuard UDP port
 * @param mtu the WireGuard interface MTU
 * @param domain the cluster's DNS domain
 * @param site where the peer is, as the operator sees it (a cloud's network, or the public address
 *     of the NAT it sits behind); peers of one site reach each other on their own addresses first.
 *     Null when the peer is reachable as it is
 * @param persistentKeepalive seconds between keepalives to every peer, for a peer behind NAT (it
 *     must keep its NAT's mappings open and punch through the others'); null for none
 * @param relay whether this peer relays for pairs that cannot reach each other (a gateway): it
 *     forwards between its WireGuard peers
 * @param rotateKey a request to rotate the peer's WireGuard key, named by an id: an agent that has
 *     not yet rotated for this id makes a new key, proves it ({@code POST /api/v1/rotate-key}) and
 *     switches to it; null for none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SelfConfig(
    String name,
    String cluster,
    String meshAddress,
    String subnet,
    String clusterCidr,
    int listenPort,
    Integer mtu,
    String domain,
    String site,
    Integer persistentKeepalive,
    Boolean relay,
    String rotateKey) {

  /** A peer's configuration with no site and no keepalive of its own. */
  public SelfConfig(
      String name,
      String cluster,
      String meshAddress,
      String subnet,
      String clusterCidr,
      int listenPort,
      Integer mtu,
      String domain) {
    this(
        name,
        cluster,
        meshAddress,
        subnet,
        clusterCidr,
        listenPort,
        mtu,
        domain,
        null,
        null,
        null,
        null);
  }
}
