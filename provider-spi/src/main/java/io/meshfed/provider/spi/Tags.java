package io.meshfed.provider.spi;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The keys every machine is tagged with. Clouds spell keys differently (GCE labels take neither
 * dots nor slashes); each provider maps these to its syntax and back, so callers only see these.
 */
public final class Tags {
  /** The MeshCluster's UID. */
  public static final String CLUSTER = "meshfed.io/cluster";

  /** The Peer's UID. */
  public static final String PEER = "meshfed.io/peer";

  /** The Peer's name, for people reading the console. */
  public static final String PEER_NAME = "meshfed.io/peer-name";

  private Tags() {}

  /** The tags of a request's machine. */
  public static Map<String, String> of(MachineRequest request) {
    Map<String, String> tags = new LinkedHashMap<>(request.tags());
    tags.put(CLUSTER, request.clusterId());
    tags.put(PEER, request.peerId());
    tags.put(PEER_NAME, request.peerName());
    return tags;
  }
}
