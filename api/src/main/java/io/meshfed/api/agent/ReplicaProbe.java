package io.meshfed.api.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.util.List;

/**
 * A probe of a replica as the agent runs it: one action, its timing and thresholds, every default
 * filled in by the operator (the Workload's readinessProbe or livenessProbe).
 *
 * @param httpGet GET http://{address}:{port}{path}; 200–399 passes
 * @param tcpSocket a connection to {address}:{port}; connected passes
 * @param exec a command in the replica's container (beside a process); exit code 0 passes
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReplicaProbe(
    HttpGet httpGet,
    TcpSocket tcpSocket,
    Exec exec,
    int initialDelaySeconds,
    int periodSeconds,
    int timeoutSeconds,
    int successThreshold,
    int failureThreshold) {

  public record HttpGet(String path, int port) {}

  public record TcpSocket(int port) {}

  public record Exec(List<String> command) {}

  public Duration initialDelay() {
    return Duration.ofSeconds(initialDelaySeconds);
  }

  public Duration period() {
    return Duration.ofSeconds(Math.max(1, periodSeconds));
  }

  public Duration timeout() {
    return Duration.ofSeconds(Math.max(1, timeoutSeconds));
  }

  /** What it checks, for messages: "GET :8080/ready", "TCP :5432", "exec [pg_isready]". */
  public String describe() {
    if (httpGet != null) {
      return "GET :" + httpGet.port() + httpGet.path();
    }
    if (tcpSocket != null) {
      return "TCP :" + tcpSocket.port();
    }
    return "exec " + (exec == null ? "[]" : exec.command());
  }
}
