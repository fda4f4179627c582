package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.IntOrString;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.minReplicas <= self.maxReplicas",
    message = "minReplicas must not be greater than maxReplicas")
public class AutoscalingSpec {
  @Default("0")
  @Min(0)
  @JsonPropertyDescription("The pool never shrinks below this many peers.")
  private Integer minReplicas;

  @Required
  @Min(0)
  @JsonPropertyDescription("The pool never grows beyond this many peers.")
  private Integer maxReplicas;

  @Default("10m")
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription("A peer idle this long is removed (\"10m\").")
  private String scaleDownAfter;

  @Default("50")
  @Min(0)
  @Max(100)
  @JsonPropertyDescription(
      "Percent of a peer's allocatable resources below which it counts as idle, if its replicas fit elsewhere.")
  private Integer scaleDownUtilizationThreshold;

  @Default("2m")
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription("No scale-down for this long after a scale-up.")
  private String cooldownAfterScaleUp;

  @Default("1")
  @ValidationRule(
      value = "type(self) == int ? self >= 0 : self.matches('^[0-9]+%$')",
      message = "maxUnavailable must be a count (>= 0) or a percentage such as 25%")
  @JsonPropertyDescription(
      "How many of the pool's peers may be draining or deleting at once: a count or a percentage.")
  private IntOrString maxUnavailable;

  @Default("0")
  @Min(0)
  @JsonPropertyDescription("Pools with a higher weight are preferred when growing.")
  private Integer weight;

  public Integer getMinReplicas() {
    return minReplicas;
  }

  public void setMinReplicas(Integer minReplicas) {
    this.minReplicas = minReplicas;
  }

  public Integer getMaxReplicas() {
    return maxReplicas;
  }

  public void setMaxReplicas(Integer maxReplicas) {
    this.maxReplicas = maxReplicas;
  }

  public String getScaleDownAfter() {
    return scaleDownAfter;
  }

  public void setScaleDownAfter(String scaleDownAfter) {
    this.scaleDownAfter = scaleDownAfter;
  }

  public Integer getScaleDownUtilizationThreshold() {
    return scaleDownUtilizationThreshold;
  }

  public void setScaleDownUtilizationThreshold(Integer scaleDownUtilizationThreshold) {
    this.scaleDownUtilizationThreshold = scaleDownUtilizationThreshold;
  }

  public String getCooldownAfterScaleUp() {
    return cooldownAfterScaleUp;
  }

  public void setCooldownAfterScaleUp(String cooldownAfterScaleUp) {
    this.cooldownAfterScaleUp = cooldownAfterScaleUp;
  }

  public IntOrString getMaxUnavailable() {
    return maxUnavailable;
  }

  public void setMaxUnavailable(IntOrString maxUnavailable) {
    this.maxUnavailable = maxUnavailable;
  }

  public Integer getWeight() {
    return weight;
  }

  public void setWeight(Integer weight) {
    this.weight = weight;
  }
}
