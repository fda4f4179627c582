package io.meshfed.api.v1alpha1;

/** Names shared by every kind of the API. */
public final class MeshfedApi {
  public static final String GROUP = "meshfed.io";
  public static final String VERSION = "v1alpha1";
  public static final String API_VERSION = GROUP + "/" + VERSION;

  /** Label put on objects the operator creates for a cluster (Secrets, ConfigMaps). */
  public static final String CLUSTER_LABEL = GROUP + "/cluster";

  /** Label put on objects the operator creates for a peer. */
  public static final String PEER_LABEL = GROUP + "/peer";

  /** On the Peers a PeerPool made: the pool's name. */
  public static final String POOL_LABEL = GROUP + "/pool";

  /**
   * On a pool's Peer the autoscaler is emptying: no new replicas go there, and its replicas move
   * one at a time per workload while that workload is fully available. The value says why.
   */
  public static final String DRAINING_ANNOTATION = GROUP + "/draining";

  /**
   * On a user's Secret that a MeshCluster names for a cloud's credentials: the operator removes it
   * once no cluster of the namespace needs the Secret any more, so deleting a cluster and its
   * credentials together still lets the cluster delete its machines.
   */
  public static final String CREDENTIALS_FINALIZER = GROUP + "/cloud-credentials";

  /**
   * On a Peer: a request to rotate its WireGuard key, named by the value (any new value asks again;
   * {@code kubectl meshfed rotate-keys} writes a timestamp). The agent makes a new key, proves it
   * and switches; status.keyRotation says when it did.
   */
  public static final String ROTATE_KEY_ANNOTATION = GROUP + "/rotate-key";

  /**
   * The Secret (in the operator's namespace) holding the agent API's self-made CA, which agents
   * pin.
   */
  public static final String AGENT_API_CA_SECRET = "meshfed-agent-api-ca";

  /**
   * On {@link #AGENT_API_CA_SECRET}: a request to rotate the CA ({@code kubectl meshfed rotate-ca}
   * writes a timestamp). The operator announces a next CA to every agent and lets it sign once they
   * all trust it; the Secret loses the annotation then.
   */
  public static final String ROTATE_CA_ANNOTATION = GROUP + "/rotate-ca";

  /** Label naming the operator as the manager of an object. */
  public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";

  public static final String MANAGER = "meshfed-operator";

  private MeshfedApi() {}
}
