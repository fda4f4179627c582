package io.meshfed.operator.agentapi;

import io.meshfed.api.agent.ApiError;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Set;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The bodies of the agent API's small operations are small: a join, its challenge and a key
 * rotation (and a log stream's chunks) are refused above {@value #SMALL_BODY} bytes before anything
 * reads them, and must say their length (no chunked stream of unknown size). Status reports, whose
 * handshakes grow with the cluster, keep the server's limit ({@code
 * quarkus.http.limits.max-body-size}) and their lists are bounded one by one ({@code Validation}).
 */
public class BodyLimits {
  static final int SMALL_BODY = 64 * 1024;
  private static final Set<String> SMALL_BODIES =
      Set.of("/api/v1/join", "/api/v1/join/challenge", "/api/v1/rotate-key");

  @ServerRequestFilter(preMatching = true)
  public Response smallBodies(HttpServerRequest request) {
    if (request.method() != HttpMethod.POST || !isSmall(request.path())) {
      return null;
    }
    String length = request.getHeader("Content-Length");
    if (length == null) {
      return refuse(request, 411, "LengthRequired", "send the body with its Content-Length");
    }
    long bytes;
    try {
      bytes = Long.parseLong(length.strip());
    } catch (NumberFormatException e) {
      return refuse(request, 400, "BadContentLength", "Content-Length must be a number of bytes");
    }
    if (bytes > SMALL_BODY) {
      return refuse(
          request,
          413,
          "BodyTooLarge",
          request.path() + " takes at most " + SMALL_BODY + " bytes; this body has " + bytes);
    }
    return null;
  }

  /** The small operations, and a log stream's chunks (LogStreams.MAX_CHUNK, the same size). */
  private static boolean isSmall(String path) {
    return SMALL_BODIES.contains(path)
        || (path.startsWith("/api/v1/logs/streams/") && path.endsWith("/chunks"));
  }

  private static Response refuse(
      HttpServerRequest request, int status, String reason, String message) {
    Response.ResponseBuilder response =
        Response.status(status)
            .type(MediaType.APPLICATION_JSON)
            .entity(new ApiError(reason, message));
    if (request.version() != HttpVersion.HTTP_2) {
      // the unread body is not read: end the connection (HTTP/2 resets only the stream, by itself)
      response.header("Connection", "close");
    }
    return response.build();
  }
}
