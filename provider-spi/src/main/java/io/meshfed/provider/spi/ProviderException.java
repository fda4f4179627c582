package io.meshfed.provider.spi;

/**
 * A provider call failed. {@link #reason()} is a CamelCase word for the Peer's condition
 * (InvalidCredentials, QuotaExceeded, Throttled, …); the message says what a person can do.
 * Retryable errors (throttling, 5xx, timeouts) are tried again with backoff; permanent ones wait
 * for a change of the spec or of the credentials.
 */
public class ProviderException extends Exception {
  private final String reason;
  private final boolean retryable;

  private ProviderException(String reason, String message, boolean retryable, Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.retryable = retryable;
  }

  public static ProviderException retryable(String reason, String message, Throwable cause) {
    return new ProviderException(reason, message, true, cause);
  }

  public static ProviderException permanent(String reason, String message, Throwable cause) {
    return new ProviderException(reason, message, false, cause);
  }

  public String reason() {
    return reason;
  }

  public boolean isRetryable() {
    return retryable;
  }
}
