package io.meshfed.api.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A name the agent answers on the mesh: {@code <workload>.<domain>} with the addresses of its
 * running replicas, {@code <replica>.<workload>.<domain>} with one.
 *
 * @param name fully qualified, without the trailing dot
 * @param addresses IPv4 addresses
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DnsRecord(String name, List<String> addresses) {}
