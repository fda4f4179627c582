package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "!has(self.cidr) || !isCIDR(self.cidr) || cidr(self.cidr).prefixLength() < self.peerSubnetPrefix",
    message =
        "peerSubnetPrefix must be longer than the prefix of cidr, so that the cidr holds several peer subnets")
public class NetworkSpec {
  @Default("100.64.0.0/16")
  @ValidationRule(
      value = "isCIDR(self) && cidr(self).ip().family() == 4 && cidr(self).masked() == cidr(self)",
      message =
          "cidr must be an IPv4 network in CIDR notation with no host bits set, such as 100.64.0.0/16")
  @ValidationRule(
      value = "self == oldSelf",
      message = "cidr is immutable: peers hold addresses in it")
  @JsonPropertyDescription(
      "IPv4 address range of the mesh. Each peer owns one subnet of it. Immutable.")
  private String cidr;

  @Default("24")
  @Min(8)
  @Max(30)
  @ValidationRule(
      value = "self == oldSelf",
      message = "peerSubnetPrefix is immutable: peers hold subnets of this size")
  @JsonPropertyDescription(
      "Prefix length of the subnet each peer owns; its mesh address is the first host of it. Immutable.")
  private Integer peerSubnetPrefix;

  @Default("51820")
  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("UDP port WireGuard listens on at each peer.")
  private Integer listenPort;

  @Default("1420")
  @Min(1280)
  @Max(9000)
  @JsonPropertyDescription("MTU of the WireGuard interface.")
  private Integer mtu;

  @Default("25")
  @Min(0)
  @Max(3600)
  @JsonPropertyDescription(
      "Seconds between keepalive packets that hold NAT mappings open; 0 turns them off.")
  private Integer persistentKeepalive;

  public String getCidr() {
    return cidr;
  }

  public void setCidr(String cidr) {
    this.cidr = cidr;
  }

  public Integer getPeerSubnetPrefix() {
    return peerSubnetPrefix;
  }

  public void setPeerSubnetPrefix(Integer peerSubnetPrefix) {
    this.peerSubnetPrefix = peerSubnetPrefix;
  }

  public Integer getListenPort() {
    return listenPort;
  }

  public void setListenPort(Integer listenPort) {
    this.listenPort = listenPort;
  }

  public Integer getMtu() {
    return mtu;
  }

  public void setMtu(Integer mtu) {
    this.mtu = mtu;
  }

  public Integer getPersistentKeepalive() {
    return persistentKeepalive;
  }

  public void setPersistentKeepalive(Integer persistentKeepalive) {
    this.persistentKeepalive = persistentKeepalive;
  }
}
