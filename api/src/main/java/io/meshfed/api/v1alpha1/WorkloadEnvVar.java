package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.value) != has(self.secretKeyRef)",
    message = "set exactly one of value and secretKeyRef")
public class WorkloadEnvVar {
  @Required
  @Pattern("^[A-Za-z_][A-Za-z0-9_]*$")
  private String name;

  @JsonPropertyDescription("A literal value.")
  private String value;

  @JsonPropertyDescription("A key of a Secret in this namespace.")
  private SecretKeyReference secretKeyRef;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getValue() {
    return value;
  }

  public void setValue(String value) {
    this.value = value;
  }

  public SecretKeyReference getSecretKeyRef() {
    return secretKeyRef;
  }

  public void setSecretKeyRef(SecretKeyReference secretKeyRef) {
    this.secretKeyRef = secretKeyRef;
  }
}
