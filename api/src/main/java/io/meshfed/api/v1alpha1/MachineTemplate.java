package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Where and on what a cloud machine runs; shared by Peer and PeerPool. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MachineTemplate {
  @JsonPropertyDescription(
      "Cloud region (eu-west-1, europe-west1, westeurope, fra1); defaults to the cluster's provider region.")
  private String region;

  @JsonPropertyDescription("Availability zone within the region, where the provider has them.")
  private String zone;

  @JsonPropertyDescription("Machine size: instance type, machine type, VM size or droplet size.")
  private String instanceType;

  @JsonPropertyDescription("Machine image: AMI, image family, image URN or slug.")
  private String image;

  public String getRegion() {
    return region;
  }

  public void setRegion(String region) {
    this.region = region;
  }

  public String getZone() {
    return zone;
  }

  public void setZone(String zone) {
    this.zone = zone;
  }

  public String getInstanceType() {
    return instanceType;
  }

  public void setInstanceType(String instanceType) {
    this.instanceType = instanceType;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }
}
