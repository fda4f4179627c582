package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** One cloud account: where peers go by default, and the Secret holding the credentials. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CloudProviderSpec {
  @JsonPropertyDescription(
      "Default region of peers that name none (eu-west-1, europe-west1, westeurope, fra1).")
  private String region;

  @JsonPropertyDescription("GCP project ID.")
  private String project;

  @JsonPropertyDescription("Azure subscription ID.")
  private String subscriptionId;

  @JsonPropertyDescription("Azure resource group that holds the peers' resources.")
  private String resourceGroup;

  @Pattern("^https?://[^\\s]+$")
  @JsonPropertyDescription(
      "API endpoint instead of the cloud's own: an API-compatible cloud, a proxy, or an emulator"
          + " (moto for EC2). Leave unset for the public cloud.")
  private String endpoint;

  @Required
  @JsonPropertyDescription(
      "Secret in this namespace with the provider's credentials (keys depend on the provider).")
  private SecretReference credentialsSecretRef;

  public String getRegion() {
    return region;
  }

  public void setRegion(String region) {
    this.region = region;
  }

  public String getProject() {
    return project;
  }

  public void setProject(String project) {
    this.project = project;
  }

  public String getSubscriptionId() {
    return subscriptionId;
  }

  public void setSubscriptionId(String subscriptionId) {
    this.subscriptionId = subscriptionId;
  }

  public String getResourceGroup() {
    return resourceGroup;
  }

  public void setResourceGroup(String resourceGroup) {
    this.resourceGroup = resourceGroup;
  }

  public SecretReference getCredentialsSecretRef() {
    return credentialsSecretRef;
  }

  public void setCredentialsSecretRef(SecretReference credentialsSecretRef) {
    this.credentialsSecretRef = credentialsSecretRef;
  }

  public String getEndpoint() {
    return endpoint;
  }

  public void setEndpoint(String endpoint) {
    this.endpoint = endpoint;
  }
}
