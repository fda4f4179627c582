package io.meshfed.api.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Another peer, as a WireGuard peer entry.
 *
 * @param name the Peer's name
 * @param publicKey its WireGuard public key
 * @param endpoints candidate {@code ip:port} endpoints, best first for a peer of another site
 * @param allowedIPs the addresses routed to it (its subnet)
 * @param persistentKeepalive seconds between keepalives, or null for none
 * @param site where the peer is (see {@link SelfConfig#site}); null when it is reachable as it is
 * @param siteEndpoints its own interface addresses: what a peer of the same site tries first
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MapPeer(
    String name,
    String publicKey,
    List<String> endpoints,
    List<String> allowedIPs,
    Integer persistentKeepalive,
    String site,
    List<String> siteEndpoints) {

  /** An entry with no site. */
  public MapPeer(
      String name,
      String publicKey,
      List<String> endpoints,
      List<String> allowedIPs,
      Integer persistentKeepalive) {
    this(name, publicKey, endpoints, allowedIPs, persistentKeepalive, null, null);
  }

  /**
   * The endpoints to try, in order, for a viewer at {@code viewerSite}: the peer's own addresses
   * first when both are at one site, its public and observed ones first otherwise.
   */
  public List<String> candidatesFor(String viewerSite) {
    List<String> outside = endpoints == null ? List.of() : endpoints;
    List<String> inside = siteEndpoints == null ? List.of() : siteEndpoints;
    boolean sameSite = site != null && site.equals(viewerSite);
    LinkedHashSet<String> ordered = new LinkedHashSet<>();
    ordered.addAll(sameSite ? inside : outside);
    ordered.addAll(sameSite ? outside : inside);
    return List.copyOf(ordered);
  }
}
