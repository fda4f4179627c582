package io.meshfed.api.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Another peer, as a WireGuard peer entry.
 *
 * @param name the Peer's name
 * @param publicKey its WireGuard public key
 * @param endpoints candidate {@code ip:port} endpoints, best first
 * @param allowedIPs the addresses routed to it (its subnet)
 * @param persistentKeepalive seconds between keepalives, or null for none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MapPeer(
    String name,
    String publicKey,
    List<String> endpoints,
    List<String> allowedIPs,
    Integer persistentKeepalive) {}
