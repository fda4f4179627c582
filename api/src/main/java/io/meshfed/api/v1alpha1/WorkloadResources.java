package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class WorkloadResources {
  @JsonPropertyDescription("CPU and memory each replica reserves on its peer.")
  private ResourceAmounts requests;

  public ResourceAmounts getRequests() {
    return requests;
  }

  public void setRequests(ResourceAmounts requests) {
    this.requests = requests;
  }
}
