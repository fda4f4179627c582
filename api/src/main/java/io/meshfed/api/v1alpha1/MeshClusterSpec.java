package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class MeshClusterSpec {
  @Default("{}")
  @JsonPropertyDescription("The mesh's address plan and WireGuard settings.")
  private NetworkSpec network;

  @Default("mesh.internal")
  @Pattern("^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\.)*[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
  @JsonPropertyDescription(
      "DNS suffix under which workloads are found on the mesh: <workload>.<domain>.")
  private String domain;

  @JsonPropertyDescription(
      "Cloud accounts this cluster may create peers in, one entry per provider.")
  private ProvidersSpec providers;

  @Default("{}")
  @JsonPropertyDescription("The cluster join token, used by hosts the user brings to join.")
  private JoinTokenSpec joinToken;

  @JsonPropertyDescription(
      "Upper bounds on what the cluster may grow to (autoscaling respects them).")
  private ClusterLimits limits;

  @JsonPropertyDescription("When peers replace their WireGuard keys on their own.")
  private KeyRotationSpec keyRotation;

  public KeyRotationSpec getKeyRotation() {
    return keyRotation;
  }

  public void setKeyRotation(KeyRotationSpec keyRotation) {
    this.keyRotation = keyRotation;
  }

  public NetworkSpec getNetwork() {
    return network;
  }

  public void setNetwork(NetworkSpec network) {
    this.network = network;
  }

  public String getDomain() {
    return domain;
  }

  public void setDomain(String domain) {
    this.domain = domain;
  }

  public ProvidersSpec getProviders() {
    return providers;
  }

  public void setProviders(ProvidersSpec providers) {
    this.providers = providers;
  }

  public JoinTokenSpec getJoinToken() {
    return joinToken;
  }

  public void setJoinToken(JoinTokenSpec joinToken) {
    this.joinToken = joinToken;
  }

  public ClusterLimits getLimits() {
    return limits;
  }

  public void setLimits(ClusterLimits limits) {
    this.limits = limits;
  }
}
