package io.meshfed.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class PeerStatus extends ObservedStatus {
  @JsonPropertyDescription(
      "Pending, Provisioning, Joining, Ready, NotReady, Terminating or Failed.")
  private PeerPhase phase;

  @JsonPropertyDescription(
      "When the phase last changed, RFC 3339: Ready since, NotReady since. Written only on a change,"
          + " so it is exact without a write per heartbeat.")
  private String lastPhaseTransitionTime;

  @JsonPropertyDescription(
      "The machine at its provider, e.g. aws:///eu-west-1a/i-0abc, gce://project/zone/name.")
  private String providerID;

  @JsonPropertyDescription(
      "Which machine of this peer: 1, then one more for each replacement of a machine that never"
          + " started or never joined. Recorded before the provider is called: the provider's"
          + " idempotency key (EC2 client token, GCE request ID, deterministic names) derives from it.")
  private Integer machineAttempt;

  @JsonPropertyDescription(
      "When the current machine was asked for (launch and join timeouts count from here).")
  private String machineRequestedTime;

  @JsonPropertyDescription("The machine's underlay addresses.")
  private PeerAddresses addresses;

  @JsonPropertyDescription("host:port WireGuard listens on, as other peers reach it.")
  private String endpoint;

  @JsonPropertyDescription(
      "host:port of each of the machine's own addresses, as its agent reports them; with the"
          + " provider's public address and the endpoints other peers observe, the candidates"
          + " peers try.")
  private List<String> interfaceEndpoints;

  @JsonPropertyDescription("The peer's address on the mesh: the first host of its subnet.")
  private String meshAddress;

  @JsonPropertyDescription("The subnet of the cluster CIDR this peer owns.")
  private String subnet;

  @JsonPropertyDescription(
      "The peer's WireGuard public key (the private key never leaves the peer).")
  private String publicKey;

  @JsonPropertyDescription(
      "The last key rotation the agent made: the request it answered (the value of the"
          + " meshfed.io/rotate-key annotation, or the cluster's schedule) and when.")
  private KeyRotationStatus keyRotation;

  @JsonPropertyDescription("The agent on the peer.")
  private AgentStatus agent;

  @JsonPropertyDescription("Healthy, Unhealthy or Unknown: whether the data plane works.")
  private String health;

  private ResourceAmounts capacity;
  private ResourceAmounts allocatable;

  @JsonPropertyDescription("WireGuard handshakes with the other peers.")
  private HandshakeSummary handshakes;

  @JsonPropertyDescription("How it reaches the other peers: directly, through a gateway, or not.")
  private PathSummary paths;

  public PathSummary getPaths() {
    return paths;
  }

  public void setPaths(PathSummary paths) {
    this.paths = paths;
  }

  public PeerPhase getPhase() {
    return phase;
  }

  public void setPhase(PeerPhase phase) {
    this.phase = phase;
  }

  public String getLastPhaseTransitionTime() {
    return lastPhaseTransitionTime;
  }

  public void setLastPhaseTransitionTime(String lastPhaseTransitionTime) {
    this.lastPhaseTransitionTime = lastPhaseTransitionTime;
  }

  public String getProviderID() {
    return providerID;
  }

  public void setProviderID(String providerID) {
    this.providerID = providerID;
  }

  public PeerAddresses getAddresses() {
    return addresses;
  }

  public void setAddresses(PeerAddresses addresses) {
    this.addresses = addresses;
  }

  public String getEndpoint() {
    return endpoint;
  }

  public void setEndpoint(String endpoint) {
    this.endpoint = endpoint;
  }

  public List<String> getInterfaceEndpoints() {
    return interfaceEndpoints;
  }

  public void setInterfaceEndpoints(List<String> interfaceEndpoints) {
    this.interfaceEndpoints = interfaceEndpoints;
  }

  public String getMeshAddress() {
    return meshAddress;
  }

  public void setMeshAddress(String meshAddress) {
    this.meshAddress = meshAddress;
  }

  public String getSubnet() {
    return subnet;
  }

  public void setSubnet(String subnet) {
    this.subnet = subnet;
  }

  public String getPublicKey() {
    return publicKey;
  }

  public KeyRotationStatus getKeyRotation() {
    return keyRotation;
  }

  public void setKeyRotation(KeyRotationStatus keyRotation) {
    this.keyRotation = keyRotation;
  }

  public void setPublicKey(String publicKey) {
    this.publicKey = publicKey;
  }

  public AgentStatus getAgent() {
    return agent;
  }

  public void setAgent(AgentStatus agent) {
    this.agent = agent;
  }

  public String getHealth() {
    return health;
  }

  public void setHealth(String health) {
    this.health = health;
  }

  public ResourceAmounts getCapacity() {
    return capacity;
  }

  public void setCapacity(ResourceAmounts capacity) {
    this.capacity = capacity;
  }

  public ResourceAmounts getAllocatable() {
    return allocatable;
  }

  public void setAllocatable(ResourceAmounts allocatable) {
    this.allocatable = allocatable;
  }

  public HandshakeSummary getHandshakes() {
    return handshakes;
  }

  public void setHandshakes(HandshakeSummary handshakes) {
    this.handshakes = handshakes;
  }

  public Integer getMachineAttempt() {
    return machineAttempt;
  }

  public void setMachineAttempt(Integer machineAttempt) {
    this.machineAttempt = machineAttempt;
  }

  public String getMachineRequestedTime() {
    return machineRequestedTime;
  }

  public void setMachineRequestedTime(String machineRequestedTime) {
    this.machineRequestedTime = machineRequestedTime;
  }
}
