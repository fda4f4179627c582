package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class JoinTokenSpec {
  @Default("24h")
  @Pattern(Durations.PATTERN)
  @JsonPropertyDescription(
      "How long a cluster join token stays valid (\"30m\", \"24h\", \"1h30m\"); the operator"
          + " replaces it when it expires. \"0s\" means it never expires.")
  private String ttl;

  public String getTtl() {
    return ttl;
  }

  public void setTtl(String ttl) {
    this.ttl = ttl;
  }
}
