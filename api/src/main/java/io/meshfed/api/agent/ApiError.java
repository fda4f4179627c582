package io.meshfed.api.agent;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The body of every 4xx/5xx answer of the agent API.
 *
 * @param reason CamelCase cause, e.g. {@code TokenExpired}, {@code InvalidField}
 * @param message what happened and what to do, for a person
 * @param field the JSON field at fault, for 400s
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiError(String reason, String message, String field) {
  public ApiError(String reason, String message) {
    this(reason, message, null);
  }
}
