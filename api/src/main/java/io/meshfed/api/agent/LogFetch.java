package io.meshfed.api.agent;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * In a map reply: send a replica's output to the operator, in chunks to {@code POST
 * /api/v1/logs/streams/{id}/chunks}, then {@code POST /api/v1/logs/streams/{id}/end}. The operator
 * answers a chunk with 404 once its reader is gone: the agent stops then.
 *
 * @param id the session, as the operator names it (opaque)
 * @param replica the replica's name ({@code <workload>-<index>})
 * @param tailLines only the last lines (null: all that is kept)
 * @param follow keep sending as the replica writes
 * @param previous the output of the replica's run before its last restart
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LogFetch(
    String id, String replica, Integer tailLines, boolean follow, boolean previous) {}
