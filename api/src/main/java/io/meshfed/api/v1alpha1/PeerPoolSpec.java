package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/** The peers of a pool are made from this template, all alike. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.provider != 'static'",
    message =
        "a PeerPool makes machines; provider static means hosts you bring, which join on their own")
public class PeerPoolSpec extends PeerTemplate {
  @Default("1")
  @Min(0)
  @JsonPropertyDescription("Number of peers, when autoscaling is not set.")
  private Integer replicas;

  @JsonPropertyDescription("Grow and shrink the pool by demand instead of holding replicas.")
  private AutoscalingSpec autoscaling;

  @JsonPropertyDescription(
      "What one peer of the pool holds, for the autoscaler's planning. Local pools declare"
          + " it; cloud pools take their instance type's from the provider's catalogue unless it is set here.")
  private ResourceAmounts capacity;

  public ResourceAmounts getCapacity() {
    return capacity;
  }

  public void setCapacity(ResourceAmounts capacity) {
    this.capacity = capacity;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public AutoscalingSpec getAutoscaling() {
    return autoscaling;
  }

  public void setAutoscaling(AutoscalingSpec autoscaling) {
    this.autoscaling = autoscaling;
  }
}
