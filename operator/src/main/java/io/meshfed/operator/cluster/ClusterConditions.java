package io.meshfed.operator.cluster;

/** Condition types, reasons and phases of a MeshCluster. */
public final class ClusterConditions {
  public static final String READY = "Ready";
  public static final String MESH_CONNECTED = "MeshConnected";
  public static final String CREDENTIALS_VALID = "CredentialsValid";

  public static final String CLUSTER_READY = "ClusterReady";
  public static final String PEERS_NOT_READY = "PeersNotReady";
  public static final String NO_PEERS = "NoPeers";
  public static final String TERMINATING = "Terminating";
  public static final String DELETION_BLOCKED = "DeletionBlocked";
  public static final String NO_PROVIDERS = "NoProvidersConfigured";
  public static final String SECRET_NOT_FOUND = "SecretNotFound";
  public static final String NOT_VERIFIED = "NotVerified";
  public static final String VERIFIED = "Verified";
  public static final String NO_AGENT_DATA = "NoAgentData";

  public static final String PHASE_PENDING = "Pending";
  public static final String PHASE_READY = "Ready";
  public static final String PHASE_DEGRADED = "Degraded";
  public static final String PHASE_TERMINATING = "Terminating";

  private ClusterConditions() {}
}
