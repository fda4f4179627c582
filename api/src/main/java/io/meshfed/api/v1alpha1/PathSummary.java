package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** How a peer reaches the others: directly, through a gateway, or not at all. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PathSummary {
  /** Peers listed by name in {@link #unreachablePeers}, at most. */
  public static final int LISTED = 20;

  @JsonPropertyDescription("Peers it had a recent direct WireGuard handshake with.")
  private Integer direct;

  @JsonPropertyDescription("Peers it reaches through a gateway peer, because no direct path works.")
  private Integer relayed;

  @JsonPropertyDescription("Peers it has no working path to.")
  private Integer unreachable;

  @JsonPropertyDescription(
      "Every relayed peer and the gateway of each, by name: every operator replica builds the"
          + " peer's routes from this list.")
  private List<Link> relayedPeers;

  @JsonPropertyDescription("The unreachable peers and why: the first 20 by name.")
  private List<Link> unreachablePeers;

  @JsonPropertyDescription("Pairs of other peers this gateway relays for.")
  private Integer relaying;

  @JsonPropertyDescription(
      "host:port its peers see its WireGuard packets come from (behind NAT, the NAT's side): the"
          + " endpoints in use.")
  private List<String> observedEndpoints;

  /** One other peer: the gateway between them, or why there is no path. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Link {
    private String peer;

    @JsonPropertyDescription("The gateway peer that relays between them.")
    private String via;

    @JsonPropertyDescription("Why they have no path.")
    private String reason;

    public Link() {}

    public static Link via(String peer, String gateway) {
      Link link = new Link();
      link.peer = peer;
      link.via = gateway;
      return link;
    }

    public static Link unreachable(String peer, String reason) {
      Link link = new Link();
      link.peer = peer;
      link.reason = reason;
      return link;
    }

    public String getPeer() {
      return peer;
    }

    public void setPeer(String peer) {
      this.peer = peer;
    }

    public String getVia() {
      return via;
    }

    public void setVia(String via) {
      this.via = via;
    }

    public String getReason() {
      return reason;
    }

    public void setReason(String reason) {
      this.reason = reason;
    }
  }

  public Integer getDirect() {
    return direct;
  }

  public void setDirect(Integer direct) {
    this.direct = direct;
  }

  public Integer getRelayed() {
    return relayed;
  }

  public void setRelayed(Integer relayed) {
    this.relayed = relayed;
  }

  public Integer getUnreachable() {
    return unreachable;
  }

  public void setUnreachable(Integer unreachable) {
    this.unreachable = unreachable;
  }

  public List<Link> getRelayedPeers() {
    return relayedPeers;
  }

  public void setRelayedPeers(List<Link> relayedPeers) {
    this.relayedPeers = relayedPeers;
  }

  public List<Link> getUnreachablePeers() {
    return unreachablePeers;
  }

  public void setUnreachablePeers(List<Link> unreachablePeers) {
    this.unreachablePeers = unreachablePeers;
  }

  public Integer getRelaying() {
    return relaying;
  }

  public void setRelaying(Integer relaying) {
    this.relaying = relaying;
  }

  public List<String> getObservedEndpoints() {
    return observedEndpoints;
  }

  public void setObservedEndpoints(List<String> observedEndpoints) {
    this.observedEndpoints = observedEndpoints;
  }
}
