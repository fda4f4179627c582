package io.meshfed.operator.netmap;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where a peer can be reached, computed from what is known of it: the provider's public address
 * (clouds give VMs public addresses by 1:1 NAT, so the interface shows only the private one), the
 * addresses of its own interfaces, and the endpoints other peers observe for it (behind NAT, its
 * NAT's public side). Pure: the same facts give the same candidates, in the same order.
 *
 * <p>A peer of another site tries the public and observed endpoints first; a peer of the same site
 * (one cloud network, or behind one NAT) tries the interface addresses first — the agent orders
 * them ({@code MapPeer.candidatesFor}), so one entry serves every viewer and a change costs O(N)
 * bytes over the mesh.
 */
public final class Candidates {
  /** Seconds between keepalives for a peer that may be behind NAT. */
  public static final int NAT_KEEPALIVE = 25;

  private Candidates() {}

  /**
   * What is known of a peer.
   *
   * @param publicAddress the provider's public address of the machine (no port), or null
   * @param listenPort the cluster's WireGuard port
   * @param interfaceEndpoints {@code ip:port} of the machine's own addresses, as its agent reports
   * @param observed {@code ip:port} other peers see its packets come from, most recent first
   * @param cloudNetwork the provider's network the machine is in (provider and region) when the
   *     provider puts a cluster's machines of one region in one network; null otherwise
   */
  public record Facts(
      String publicAddress,
      int listenPort,
      List<String> interfaceEndpoints,
      List<String> observed,
      String cloudNetwork) {}

  /**
   * @param endpoints what a peer of another site tries, in order: public, observed, interface
   * @param siteEndpoints what a peer of the same site tries first: the interface addresses
   * @param site the site, or null when the peer is reachable as it is (its interface address is
   *     what others see)
   * @param keepalive whether the peer must send keepalives itself: it may be behind NAT (no public
   *     address, and nobody has seen it at one of its own addresses)
   */
  public record Result(
      List<String> endpoints, List<String> siteEndpoints, String site, boolean keepalive) {}

  public static Result of(Facts facts) {
    List<String> own = facts.interfaceEndpoints() == null ? List.of() : facts.interfaceEndpoints();
    List<String> observed = facts.observed() == null ? List.of() : facts.observed();
    Set<String> ownIps = new LinkedHashSet<>();
    own.forEach(e -> ownIps.add(ip(e)));

    Set<String> outside = new LinkedHashSet<>();
    if (facts.publicAddress() != null) {
      outside.add(facts.publicAddress() + ":" + facts.listenPort());
    }
    outside.addAll(observed);
    outside.addAll(own);

    Optional<String> natSide =
        observed.stream().map(Candidates::ip).filter(ip -> !ownIps.contains(ip)).findFirst();
    boolean seenAtOwnAddress = observed.stream().map(Candidates::ip).anyMatch(ownIps::contains);
    String site =
        facts.cloudNetwork() != null
            ? facts.cloudNetwork()
            : natSide.filter(ip -> !seenAtOwnAddress).map(ip -> "nat:" + ip).orElse(null);
    boolean keepalive = facts.publicAddress() == null && !seenAtOwnAddress;
    return new Result(List.copyOf(outside), List.copyOf(own), site, keepalive);
  }

  static String ip(String endpoint) {
    int colon = endpoint.lastIndexOf(':');
    return colon < 0 ? endpoint : endpoint.substring(0, colon);
  }
}
