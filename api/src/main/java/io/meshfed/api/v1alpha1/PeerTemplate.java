package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/** What a peer is: shared by a Peer and by the peers a PeerPool makes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PeerTemplate extends MachineTemplate {
  @Required
  @ValidationRule(value = "self == oldSelf", message = "clusterRef is immutable")
  @JsonPropertyDescription(
      "The MeshCluster (in this namespace) this peer or pool belongs to. Immutable.")
  private ClusterReference clusterRef;

  @Required
  @ValidationRule(value = "self == oldSelf", message = "provider is immutable")
  @JsonPropertyDescription(
      "Where the machine comes from: aws, gcp, azure, digitalocean (cloud VMs the operator"
          + " creates), static (a host you bring, which joins with the join command) or local"
          + " (a network namespace on the operator's host, for development). Immutable.")
  private ProviderType provider;

  @Default("[\"worker\"]")
  @JsonPropertyDescription(
      "What the peer is for: worker (runs workloads), gateway (routes to outside networks),"
          + " client (a user's machine that only reaches the mesh).")
  private List<PeerRole> roles;

  @JsonPropertyDescription("Labels that workload placement can select on (placement.peerSelector).")
  private Map<String, String> labels;

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
}
