package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** Names a Secret in the namespace of the referring object. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretReference {
  @Required
  @JsonPropertyDescription("Name of the Secret in this namespace.")
  private String name;

  public SecretReference() {}

  public SecretReference(String name) {
    this.name = name;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }
}
