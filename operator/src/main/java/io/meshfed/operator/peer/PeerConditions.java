package io.meshfed.operator.peer;

/** Condition types and reasons of a Peer. */
public final class PeerConditions {
  public static final String READY = "Ready";
  public static final String PROVISIONED = "Provisioned";
  public static final String JOINED = "Joined";
  public static final String MESH_READY = "MeshReady";
  public static final String HEALTHY = "Healthy";

  public static final String CLUSTER_NOT_FOUND = "ClusterNotFound";
  public static final String CLUSTER_TERMINATING = "ClusterTerminating";
  public static final String ADDRESS_POOL_EXHAUSTED = "AddressPoolExhausted";
  public static final String PROVIDER_NOT_INSTALLED = "ProviderNotInstalled";
  public static final String CREDENTIALS_NOT_FOUND = "CredentialsNotFound";
  public static final String DELETING_MACHINE = "DeletingMachine";
  public static final String MACHINE_DELETION_FAILED = "MachineDeletionFailed";
  public static final String NOTHING_TO_PROVISION = "NothingToProvision";
  public static final String MACHINE_PENDING = "MachinePending";
  public static final String MACHINE_RUNNING = "MachineRunning";
  public static final String MACHINE_REQUESTED = "MachineRequested";
  public static final String LAUNCH_TIMEOUT = "LaunchTimeout";
  public static final String JOIN_TIMEOUT = "JoinTimeout";
  public static final String WAITING_FOR_AGENT = "WaitingForAgent";
  public static final String AGENT_JOINED = "AgentJoined";
  public static final String HEARTBEAT_MISSED = "HeartbeatMissed";
  public static final String PEER_READY = "PeerReady";
  public static final String NO_AGENT_DATA = "NoAgentData";
  public static final String WAITING_FOR_HEARTBEAT = "WaitingForHeartbeat";
  public static final String PEERS_CONFIGURED = "PeersConfigured";
  public static final String PEERS_MISSING = "PeersMissing";
  public static final String HANDSHAKES_RECENT = "HandshakesRecent";
  public static final String HANDSHAKES_MISSING = "HandshakesMissing";
  public static final String NO_PEERS_TO_REACH = "NoPeersToReach";

  private PeerConditions() {}
}
