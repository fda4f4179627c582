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
    String domain) {}
