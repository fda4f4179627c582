package io.meshfed.api.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * {@code GET /api/v1/netmap?since=V}: the peer's view of the mesh at {@code version}.
 *
 * <p>A full map ({@code full = true}) lists every other Ready peer in {@code peers}. A delta lists
 * only the peers added or changed since the agent's version in {@code peers}, and the names of
 * the peers gone in {@code removed}. Versions are opaque: an agent sends back the last one it
 * applied.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NetMap(
    String version, boolean full, SelfConfig self, List<MapPeer> peers, List<String> removed) {}
