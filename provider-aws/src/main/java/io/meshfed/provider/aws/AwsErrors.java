package io.meshfed.provider.aws;

import io.meshfed.provider.spi.ProviderException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/** EC2's error codes as reasons a person can act on. */
final class AwsErrors {
  private AwsErrors() {}

  /** EC2's error code, or empty when the error did not come from EC2 or carried none. */
  static String code(SdkException e) {
    return e instanceof AwsServiceException service
            && service.awsErrorDetails() != null
            && service.awsErrorDetails().errorCode() != null
        ? service.awsErrorDetails().errorCode()
        : "";
  }

  static ProviderException translate(String doing, SdkException e) {
    if (e instanceof AwsServiceException service) {
      String code =
          service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorCode();
      if (code == null) {
        // EC2 answers bad keys with 401 AuthFailure, and the JDK's URL connection drops the body
        // of a 401: the status is all there is
        code =
            switch (service.statusCode()) {
              case 401 -> "AuthFailure";
              case 403 -> "UnauthorizedOperation";
              default -> "";
            };
      }
      String detail =
          service.awsErrorDetails() == null || service.awsErrorDetails().errorMessage() == null
              ? "HTTP " + service.statusCode()
              : service.awsErrorDetails().errorMessage();
      String message = doing + ": " + code + ": " + detail;
      return switch (code) {
        case "AuthFailure",
            "InvalidClientTokenId",
            "SignatureDoesNotMatch",
            "UnrecognizedClientException" ->
            ProviderException.permanent(
                "InvalidCredentials",
                message
                    + " (check accessKeyId and secretAccessKey in the cluster's aws credentials Secret)",
                e);
        case "UnauthorizedOperation", "AccessDenied", "AccessDeniedException" ->
            ProviderException.permanent(
                "PermissionDenied", message + " (the IAM policy of these credentials lacks it)", e);
        case "InstanceLimitExceeded",
            "VcpuLimitExceeded",
            "MaxSpotInstanceCountExceeded",
            "SecurityGroupLimitExceeded",
            "RulesPerSecurityGroupLimitExceeded" ->
            ProviderException.retryable(
                "QuotaExceeded", message + " (ask AWS for a higher quota or free some)", e);
        case "InsufficientInstanceCapacity", "InsufficientCapacity", "Unsupported" ->
            ProviderException.retryable(
                "InsufficientCapacity",
                message + " (try another zone or instance type; retried meanwhile)",
                e);
        case "InvalidAMIID.Malformed", "InvalidAMIID.NotFound", "InvalidAMIID.Unavailable" ->
            ProviderException.permanent("InvalidImage", message, e);
        case "InvalidInstanceType", "InvalidInstanceType.NotFound" ->
            ProviderException.permanent("InvalidInstanceType", message, e);
        case "InvalidParameterValue", "InvalidParameterCombination" ->
            message.toLowerCase().contains("instancetype")
                    || message.toLowerCase().contains("instance type")
                ? ProviderException.permanent("InvalidInstanceType", message, e)
                : ProviderException.permanent("InvalidParameter", message, e);
        case "RequestLimitExceeded", "Throttling", "ThrottlingException" ->
            ProviderException.retryable("Throttled", message, e);
        case "DependencyViolation" ->
            ProviderException.retryable("DependencyViolation", message, e);
        // made by a concurrent call a moment ago: the next attempt finds it
        case "InvalidGroup.Duplicate" ->
            ProviderException.retryable("ConcurrentCreate", message, e);
        default ->
            service.statusCode() >= 500 || service.isThrottlingException()
                ? ProviderException.retryable(
                    service.isThrottlingException() ? "Throttled" : "ProviderUnavailable",
                    message,
                    e)
                : ProviderException.permanent("ProviderError", message, e);
      };
    }
    if (e instanceof SdkClientException) {
      return ProviderException.retryable("ProviderUnreachable", doing + ": " + e.getMessage(), e);
    }
    return ProviderException.retryable("ProviderError", doing + ": " + e.getMessage(), e);
  }
}
