package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.LinkedHashMap;
import java.util.Map;

/** Cloud accounts of a cluster, at most one per provider. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProvidersSpec {
  @JsonPropertyDescription("Amazon Web Services (EC2).")
  private CloudProviderSpec aws;

  @JsonPropertyDescription("Google Cloud (Compute Engine); set project.")
  private CloudProviderSpec gcp;

  @JsonPropertyDescription("Microsoft Azure; set subscriptionId and resourceGroup.")
  private CloudProviderSpec azure;

  @JsonPropertyDescription("DigitalOcean (Droplets).")
  private CloudProviderSpec digitalocean;

  public CloudProviderSpec getAws() {
    return aws;
  }

  public void setAws(CloudProviderSpec aws) {
    this.aws = aws;
  }

  public CloudProviderSpec getGcp() {
    return gcp;
  }

  public void setGcp(CloudProviderSpec gcp) {
    this.gcp = gcp;
  }

  public CloudProviderSpec getAzure() {
    return azure;
  }

  public void setAzure(CloudProviderSpec azure) {
    this.azure = azure;
  }

  public CloudProviderSpec getDigitalocean() {
    return digitalocean;
  }

  public void setDigitalocean(CloudProviderSpec digitalocean) {
    this.digitalocean = digitalocean;
  }

  /** The configured providers, in a stable order. */
  public Map<ProviderType, CloudProviderSpec> configured() {
    Map<ProviderType, CloudProviderSpec> all = new LinkedHashMap<>();
    if (aws != null) all.put(ProviderType.AWS, aws);
    if (gcp != null) all.put(ProviderType.GCP, gcp);
    if (azure != null) all.put(ProviderType.AZURE, azure);
    if (digitalocean != null) all.put(ProviderType.DIGITALOCEAN, digitalocean);
    return all;
  }
}
