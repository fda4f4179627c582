package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class PeerAddresses {
  @JsonProperty("public")
  @JsonPropertyDescription("Address reachable from outside the machine's network.")
  private String publicAddress;

  @JsonProperty("private")
  @JsonPropertyDescription("Address inside the machine's own network (VPC, LAN).")
  private String privateAddress;

  public PeerAddresses() {}

  public PeerAddresses(String publicAddress, String privateAddress) {
    this.publicAddress = publicAddress;
    this.privateAddress = privateAddress;
  }

  public String getPublicAddress() {
    return publicAddress;
  }

  public void setPublicAddress(String publicAddress) {
    this.publicAddress = publicAddress;
  }

  public String getPrivateAddress() {
    return privateAddress;
  }

  public void setPrivateAddress(String privateAddress) {
    this.privateAddress = privateAddress;
  }
}
