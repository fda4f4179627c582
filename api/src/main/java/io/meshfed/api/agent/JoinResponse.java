package io.meshfed.api.agent;

/**
 * The answer to a join.
 *
 * @param namespace the namespace of the Peer and its cluster
 * @param peer the Peer's name
 * @param credential the peer's own bearer credential for netmap and status; only its hash is kept
 * @param self the peer's addresses on the mesh
 */
public record JoinResponse(String namespace, String peer, String credential, SelfConfig self) {}
