package io.meshfed.operator.server;

import io.meshfed.api.agent.ApiError;
import java.util.Optional;

/** A refusal of the agent API: an HTTP status and the JSON body that explains it. */
public final class AgentApiException extends RuntimeException {
  private final int status;
  private final ApiError error;
  private final Long retryAfterSeconds;

  private AgentApiException(int status, ApiError error) {
    this(status, error, null);
  }

  private AgentApiException(int status, ApiError error, Long retryAfterSeconds) {
    super(error.reason() + ": " + error.message());
    this.status = status;
    this.error = error;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The same refusal, telling the client when to come back (a {@code Retry-After} header). */
  public AgentApiException retryAfter(long seconds) {
    return new AgentApiException(status, error, seconds);
  }

  public Optional<Long> retryAfterSeconds() {
    return Optional.ofNullable(retryAfterSeconds);
  }

  public static AgentApiException badField(String field, String message) {
    return new AgentApiException(400, new ApiError("InvalidField", message, field));
  }

  /** What an agent claimed that is not its to claim: another's address, an unreachable endpoint. */
  public static AgentApiException refusedClaim(String field, String message) {
    return new AgentApiException(403, new ApiError("ClaimRefused", message, field));
  }

  public static AgentApiException unauthorized(String reason, String message) {
    return new AgentApiException(401, new ApiError(reason, message));
  }

  public static AgentApiException forbidden(String reason, String message) {
    return new AgentApiException(403, new ApiError(reason, message));
  }

  public static AgentApiException notFound(String reason, String message) {
    return new AgentApiException(404, new ApiError(reason, message));
  }

  public static AgentApiException gone(String reason, String message) {
    return new AgentApiException(410, new ApiError(reason, message));
  }

  /** Another party (a peer's agent) did not answer in time. */
  public static AgentApiException timeout(String reason, String message) {
    return new AgentApiException(504, new ApiError(reason, message));
  }

  /** Another party (a peer's agent) answered with a failure. */
  public static AgentApiException badGateway(String reason, String message) {
    return new AgentApiException(502, new ApiError(reason, message));
  }

  public static AgentApiException conflict(String reason, String message) {
    return new AgentApiException(409, new ApiError(reason, message));
  }

  public static AgentApiException tooMany(String reason, String message) {
    return new AgentApiException(429, new ApiError(reason, message));
  }

  public static AgentApiException unavailable(String reason, String message) {
    return new AgentApiException(503, new ApiError(reason, message));
  }

  public int status() {
    return status;
  }

  public ApiError error() {
    return error;
  }
}
