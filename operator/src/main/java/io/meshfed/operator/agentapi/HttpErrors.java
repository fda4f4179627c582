package io.meshfed.operator.agentapi;

import io.meshfed.api.agent.ApiError;
import io.meshfed.operator.server.ApiErrorResponses;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refusals the framework would make on its own, in the agent API's error body: a method a path of
 * the agent API does not take is 405 with the {@code Allow} header (RFC 9110) naming the methods
 * its OpenAPI document gives it. OPTIONS included: no browser calls the agent API, so it answers no
 * preflight. Refusals of the operations and bodies that are not the JSON an operation takes are
 * answered by {@link ApiErrorResponses}.
 */
public class HttpErrors {
  @ServerRequestFilter(preMatching = true)
  public Response noOptions(HttpServerRequest request) {
    if (request.method() == HttpMethod.OPTIONS && request.path().startsWith("/api/")) {
      List<String> allowed = AgentApiDocument.methodsOf(request.path());
      return allowed.isEmpty() ? null : notAllowed(Set.copyOf(allowed));
    }
    return null;
  }

  @ServerExceptionMapper
  public Response notAllowed(NotAllowedException e, HttpServerRequest request) {
    List<String> documented = AgentApiDocument.methodsOf(request.path());
    return notAllowed(
        documented.isEmpty()
            ? e.getResponse().getAllowedMethods()
            : new LinkedHashSet<>(documented));
  }

  private static Response notAllowed(Set<String> allowed) {
    return Response.status(405)
        .type(MediaType.APPLICATION_JSON)
        .entity(
            new ApiError(
                "MethodNotAllowed", "this path takes " + String.join(", ", allowed) + " only"))
        .allow(allowed)
        .build();
  }
}
