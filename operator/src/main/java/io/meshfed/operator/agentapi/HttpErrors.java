package io.meshfed.operator.agentapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import io.meshfed.api.agent.ApiError;
import io.meshfed.operator.server.AgentApiException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refusals the framework would make on its own, in the agent API's error body: a method a path of
 * the agent API does not take is 405 with the {@code Allow} header (RFC 9110) naming the methods
 * its OpenAPI document gives it. OPTIONS included: no browser calls the agent API, so it answers no
 * preflight. Refusals of the agent API's operations ({@link AgentApiException}) and bodies that are
 * not the JSON an operation takes are answered by {@link #refused}, {@link #unreadable} and {@link
 * #malformed}, for every resource of the agent API.
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

  /**
   * A refusal as its body. The resources of the agent API map their exceptions with these (a mapper
   * of a resource's own comes before the framework's more specific ones for JSON errors).
   */
  public static Response refused(AgentApiException e) {
    Response.ResponseBuilder response =
        Response.status(e.status()).type(MediaType.APPLICATION_JSON).entity(e.error());
    e.retryAfterSeconds().ifPresent(seconds -> response.header("Retry-After", seconds));
    return response.build();
  }

  /** The JSON reader reports unreadable bodies as a bare 400; say what was wrong with it. */
  public static Response unreadable(WebApplicationException e) {
    if (e.getCause() instanceof JsonProcessingException json) {
      return malformed(json);
    }
    int status = e.getResponse().getStatus();
    return Response.status(status)
        .type(MediaType.APPLICATION_JSON)
        .entity(new ApiError(status == 404 ? "NotFound" : "HTTP" + status, e.getMessage()))
        .build();
  }

  /** A body that is not the JSON we expect: 400 naming the field, as far as the parser knows it. */
  public static Response malformed(JsonProcessingException e) {
    String field =
        e instanceof JsonMappingException mapping
            ? mapping.getPath().stream()
                .map(
                    ref ->
                        ref.getFieldName() != null
                            ? ref.getFieldName()
                            : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[")
            : null;
    String message = e.getOriginalMessage();
    return Response.status(400)
        .type(MediaType.APPLICATION_JSON)
        .entity(
            new ApiError(
                field == null || field.isEmpty() ? "MalformedBody" : "InvalidField",
                "the body is not valid JSON for this request: " + message,
                field == null || field.isEmpty() ? null : field))
        .build();
  }
}
