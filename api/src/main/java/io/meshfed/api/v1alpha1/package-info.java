/**
 * Custom resources of the {@code meshfed.io/v1alpha1} API: MeshCluster, Peer, PeerPool, Workload.
 */
package io.meshfed.api.v1alpha1;
