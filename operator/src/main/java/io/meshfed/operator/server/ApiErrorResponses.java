package io.meshfed.operator.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import io.meshfed.api.agent.ApiError;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.stream.Collectors;

/**
 * The agent API's error bodies for what its resources throw. Each resource maps its exceptions with
 * these in {@code @ServerExceptionMapper}s of its own: a resource's mapper comes before the
 * framework's more specific ones for JSON errors, a global one would not.
 */
public final class ApiErrorResponses {
  private ApiErrorResponses() {}

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
