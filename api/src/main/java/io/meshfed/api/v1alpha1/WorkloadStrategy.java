package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.IntOrString;

/** How a change of a Workload's template replaces its replicas: a rolling update. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class WorkloadStrategy {
  @JsonPropertyDescription(
      "Replicas of the new template that may run beyond the wanted count: a count or a"
          + " percentage of it, rounded up. Default 25%.")
  @ValidationRule(
      value = "type(self) == int ? self >= 0 : self.matches('^[0-9]{1,3}%$')",
      message = "maxSurge is a count or a percentage, e.g. 1 or 25%")
  private IntOrString maxSurge;

  @JsonPropertyDescription(
      "Ready replicas the update may take below the wanted count: a count or a percentage of it,"
          + " rounded down. Default 25%. When both resolve to 0, one replica surges.")
  @ValidationRule(
      value = "type(self) == int ? self >= 0 : self.matches('^[0-9]{1,3}%$')",
      message = "maxUnavailable is a count or a percentage, e.g. 0 or 25%")
  private IntOrString maxUnavailable;

  public IntOrString getMaxSurge() {
    return maxSurge;
  }

  public void setMaxSurge(IntOrString maxSurge) {
    this.maxSurge = maxSurge;
  }

  public IntOrString getMaxUnavailable() {
    return maxUnavailable;
  }

  public void setMaxUnavailable(IntOrString maxUnavailable) {
    this.maxUnavailable = maxUnavailable;
  }
}
