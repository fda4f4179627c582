package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.provider != 'static'",
    message = "a PeerPool makes machines; provider static means hosts you bring, which join on their own")
public class PeerPoolSpec extends MachineTemplate {
  @Required
  @ValidationRule(value = "self == oldSelf", message = "clusterRef is immutable")
  @JsonPropertyDescription("The MeshCluster the pool's peers belong to. Immutable.")
  private ClusterReference clusterRef;

  @Required
  @ValidationRule(value = "self == oldSelf", message = "provider is immutable")
  @JsonPropertyDescription("Where the pool's machines come from: aws, gcp, azure, digitalocean or local.")
  private ProviderType provider;

  @Default("[\"worker\"]")
  @JsonPropertyDescription("Roles of the pool's peers.")
  private List<PeerRole> roles;

  @JsonPropertyDescription("Labels of the pool's peers.")
  private Map<String, String> labels;

  @Default("1")
  @Min(0)
  @JsonPropertyDescription("Number of peers, when autoscaling is not set.")
  private Integer replicas;

  @JsonPropertyDescription("Grow and shrink the pool by demand instead of holding replicas.")
  private AutoscalingSpec autoscaling;

  public ClusterReference getClusterRef() {
    return clusterRef;
  }

  public void setClusterRef(ClusterReference clusterRef) {
    this.clusterRef = clusterRef;
  }

  public ProviderType getProvider() {
    return provider;
  }

  public void setProvider(ProviderType provider) {
    this.provider = provider;
  }

  public List<PeerRole> getRoles() {
    return roles;
  }

  public void setRoles(List<PeerRole> roles) {
    this.roles = roles;
  }

  public Map<String, String> getLabels() {
    return labels;
  }

  public void setLabels(Map<String, String> labels) {
    this.labels = labels;
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
