package io.meshfed.provider.gcp;

import com.google.api.client.http.HttpResponseException;
import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.StatusCode;
import com.google.cloud.compute.v1.Operation;
import com.google.gson.JsonParser;
import io.meshfed.provider.spi.ProviderException;
import java.util.stream.Collectors;

/**
 * Compute Engine's errors — HTTP statuses and operation error codes — as reasons a person can act
 * on.
 */
final class GcpErrors {
  private GcpErrors() {}

  static ProviderException translate(String doing, ApiException e) {
    String message = doing + ": " + e.getStatusCode().getCode() + ": " + detail(e);
    String lower = message.toLowerCase();
    if (tokenRefused(e)) {
      return ProviderException.permanent(
          "InvalidCredentials",
          message
              + " (check credentials.json, the service account key in the cluster's gcp credentials Secret)",
          e);
    }
    StatusCode.Code code = e.getStatusCode().getCode();
    return switch (code) {
      case UNAUTHENTICATED -> ProviderException.permanent("InvalidCredentials", message, e);
      case PERMISSION_DENIED ->
          lower.contains("quota")
              ? ProviderException.retryable("QuotaExceeded", message, e)
              : ProviderException.permanent(
                  "PermissionDenied",
                  message
                      + " (the service account needs roles/compute.instanceAdmin.v1 and compute.securityAdmin)",
                  e);
      case RESOURCE_EXHAUSTED ->
          lower.contains("quota")
              ? ProviderException.retryable("QuotaExceeded", message, e)
              : ProviderException.retryable("Throttled", message, e);
      case INVALID_ARGUMENT, NOT_FOUND ->
          lower.contains("machinetype") || lower.contains("machine type")
              ? ProviderException.permanent("InvalidInstanceType", message, e)
              : lower.contains("image")
                  ? ProviderException.permanent("InvalidImage", message, e)
                  : ProviderException.permanent("InvalidParameter", message, e);
      case UNAVAILABLE, INTERNAL, DEADLINE_EXCEEDED, ABORTED, UNKNOWN ->
          ProviderException.retryable("ProviderUnavailable", message, e);
      default -> ProviderException.permanent("ProviderError", message, e);
    };
  }

  /** An operation that finished with errors (quota, capacity, a bad machine type …). */
  static ProviderException translate(String doing, Operation operation) {
    String codes =
        operation.getError().getErrorsList().stream()
            .map(err -> err.getCode() + ": " + err.getMessage())
            .collect(Collectors.joining("; "));
    String message = doing + ": operation " + operation.getName() + " failed: " + codes;
    String first =
        operation.getError().getErrorsCount() == 0
            ? ""
            : operation.getError().getErrors(0).getCode();
    return switch (first) {
      case "QUOTA_EXCEEDED" ->
          ProviderException.retryable(
              "QuotaExceeded", message + " (raise the quota of the project)", null);
      case "ZONE_RESOURCE_POOL_EXHAUSTED",
          "ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS",
          "RESOURCE_POOL_EXHAUSTED" ->
          ProviderException.retryable(
              "InsufficientCapacity", message + " (try another zone or machine type)", null);
      case "RESOURCE_NOT_FOUND", "INVALID_FIELD_VALUE" ->
          message.toLowerCase().contains("machinetype")
              ? ProviderException.permanent("InvalidInstanceType", message, null)
              : ProviderException.permanent("InvalidParameter", message, null);
      case "RESOURCE_ALREADY_EXISTS" -> ProviderException.retryable("AlreadyExists", message, null);
      default -> ProviderException.retryable("OperationFailed", message, null);
    };
  }

  /**
   * What GCE said: the client library's message is only the HTTP status line; the error document
   * ({@code {"error": {"message": …}}}) rides in the cause.
   */
  static String detail(ApiException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof HttpResponseException http && http.getContent() != null) {
        try {
          var error =
              JsonParser.parseString(http.getContent()).getAsJsonObject().getAsJsonObject("error");
          if (error != null && error.has("message")) {
            return error.get("message").getAsString();
          }
        } catch (RuntimeException notJson) {
          return http.getContent();
        }
      }
    }
    return e.getMessage();
  }

  /** The OAuth token endpoint refused the service account (a deleted or wrong key). */
  private static boolean tokenRefused(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && (m.contains("invalid_grant") || m.contains("Error getting access token"))) {
        return true;
      }
    }
    return false;
  }
}
