package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class Placement {
  @JsonPropertyDescription("Only peers of these providers.")
  private List<ProviderType> providers;

  @JsonPropertyDescription("Only peers in these regions.")
  private List<String> regions;

  @JsonPropertyDescription("Only peers whose spec.labels match.")
  private LabelSelector peerSelector;

  @Pattern("^(Peer|Provider|Region)$")
  @JsonPropertyDescription(
      "Spread replicas evenly across distinct values of this key: Peer, Provider or Region.")
  private String spread;

  public List<ProviderType> getProviders() {
    return providers;
  }

  public void setProviders(List<ProviderType> providers) {
    this.providers = providers;
  }

  public List<String> getRegions() {
    return regions;
  }

  public void setRegions(List<String> regions) {
    this.regions = regions;
  }

  public LabelSelector getPeerSelector() {
    return peerSelector;
  }

  public void setPeerSelector(LabelSelector peerSelector) {
    this.peerSelector = peerSelector;
  }

  public String getSpread() {
    return spread;
  }

  public void setSpread(String spread) {
    this.spread = spread;
  }
}
