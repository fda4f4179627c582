package io.meshfed.provider.azure;

import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.management.exception.ManagementException;
import io.meshfed.provider.spi.ProviderException;

/** Azure Resource Manager's error codes as reasons a person can act on. */
final class AzureErrors {
  private AzureErrors() {}

  static ProviderException translate(String doing, RuntimeException e) {
    if (e instanceof ClientAuthenticationException || causedBy(e, "AADSTS")) {
      return ProviderException.permanent(
          "InvalidCredentials",
          doing
              + ": "
              + e.getMessage()
              + " (check tenantId, clientId and clientSecret in the cluster's azure credentials Secret)",
          e);
    }
    if (e instanceof ManagementException management && management.getValue() != null) {
      String code = management.getValue().getCode() == null ? "" : management.getValue().getCode();
      int status = management.getResponse() == null ? 0 : management.getResponse().getStatusCode();
      String message = doing + ": " + code + ": " + management.getValue().getMessage();
      String lower = message.toLowerCase();
      return switch (code) {
        case "AuthenticationFailed",
            "InvalidAuthenticationToken",
            "InvalidAuthenticationTokenTenant",
            "ExpiredAuthenticationToken" ->
            ProviderException.permanent("InvalidCredentials", message, e);
        case "AuthorizationFailed", "LinkedAuthorizationFailed" ->
            ProviderException.permanent(
                "PermissionDenied",
                message + " (the service principal needs Contributor on the resource group)",
                e);
        case "QuotaExceeded", "OperationNotAllowed" ->
            lower.contains("quota")
                ? ProviderException.retryable(
                    "QuotaExceeded", message + " (request a quota increase)", e)
                : ProviderException.permanent("OperationNotAllowed", message, e);
        case "SkuNotAvailable",
            "AllocationFailed",
            "ZonalAllocationFailed",
            "OverconstrainedAllocationRequest" ->
            ProviderException.retryable(
                "InsufficientCapacity", message + " (try another region or VM size)", e);
        case "InvalidParameter", "BadRequest" ->
            lower.contains("vmsize") || lower.contains("vm size")
                ? ProviderException.permanent("InvalidInstanceType", message, e)
                : lower.contains("image")
                    ? ProviderException.permanent("InvalidImage", message, e)
                    : ProviderException.permanent("InvalidParameter", message, e);
        case "ResourceGroupNotFound" ->
            ProviderException.permanent(
                "ResourceGroupNotFound",
                message + " (create it, or fix spec.providers.azure.resourceGroup)",
                e);
        case "SubscriptionNotFound" ->
            ProviderException.permanent("InvalidCredentials", message, e);
        case "Conflict",
            "AnotherOperationInProgress",
            "RetryableError",
            "InUseSubnetCannotBeDeleted",
            "NicInUse",
            "PublicIPAddressInUse",
            "InUseNetworkSecurityGroupCannotBeDeleted" ->
            ProviderException.retryable(code.isEmpty() ? "Conflict" : code, message, e);
        default ->
            status == 429
                ? ProviderException.retryable("Throttled", message, e)
                : status >= 500
                    ? ProviderException.retryable("ProviderUnavailable", message, e)
                    : ProviderException.permanent("ProviderError", message, e);
      };
    }
    if (e instanceof HttpResponseException http && http.getResponse() != null) {
      int status = http.getResponse().getStatusCode();
      String message = doing + ": HTTP " + status + ": " + http.getMessage();
      return status == 429 || status >= 500
          ? ProviderException.retryable(
              status == 429 ? "Throttled" : "ProviderUnavailable", message, e)
          : ProviderException.permanent("ProviderError", message, e);
    }
    return ProviderException.retryable("ProviderUnreachable", doing + ": " + e.getMessage(), e);
  }

  private static boolean causedBy(Throwable e, String marker) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains(marker)) {
        return true;
      }
    }
    return false;
  }
}
