package io.meshfed.provider.digitalocean;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.provider.spi.ProviderException;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The DigitalOcean v2 REST API over OkHttp: bearer token, JSON in and out, and the API's errors
 * ({@code {"id": "...", "message": "..."}}) as reasons. Idempotent calls (GET, DELETE) are retried
 * on 429 and 5xx a few times with backoff and jitter, honouring Retry-After; a create is never
 * retried here — the provider looks it up by tag before trying again.
 */
final class DoApi {
  private static final MediaType JSON = MediaType.get("application/json");
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final int ATTEMPTS = 4;
  private static final Duration MAX_WAIT = Duration.ofSeconds(5);

  private final OkHttpClient http;
  private final HttpUrl base;
  private final String token;

  DoApi(OkHttpClient http, HttpUrl base, String token) {
    this.http = http;
    this.base = base;
    this.token = token;
  }

  /** The body, or empty on 404. */
  Optional<JsonNode> get(String path, String doing) throws ProviderException {
    return call(request(path).get().build(), doing, true);
  }

  JsonNode post(String path, Object body, String doing) throws ProviderException {
    try {
      RequestBody json = RequestBody.create(MAPPER.writeValueAsBytes(body), JSON);
      return call(request(path).post(json).build(), doing, false)
          .orElseThrow(
              () ->
                  ProviderException.permanent("ProviderError", doing + ": 404 from the API", null));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** True if it was there to delete; "already gone" (404) is success. */
  boolean delete(String path, String doing) throws ProviderException {
    return call(request(path).delete().build(), doing, true).isPresent();
  }

  private Request.Builder request(String path) {
    HttpUrl url = HttpUrl.get(base.toString().replaceAll("/$", "") + path);
    return new Request.Builder().url(url).header("Authorization", "Bearer " + token);
  }

  private Optional<JsonNode> call(Request request, String doing, boolean idempotent)
      throws ProviderException {
    ProviderException last = null;
    for (int attempt = 1; attempt <= (idempotent ? ATTEMPTS : 1); attempt++) {
      Duration wait;
      try (Response response = http.newCall(request).execute()) {
        String text = response.body().string();
        int code = response.code();
        if (code == 404) {
          return Optional.empty();
        }
        if (response.isSuccessful()) {
          return Optional.of(text.isBlank() ? MAPPER.createObjectNode() : MAPPER.readTree(text));
        }
        last = translate(doing, code, text);
        if (!last.isRetryable()) {
          throw last;
        }
        wait = retryAfter(response).orElse(backoff(attempt));
      } catch (IOException e) {
        last = ProviderException.retryable("ProviderUnreachable", doing + ": " + e.getMessage(), e);
        wait = backoff(attempt);
      }
      if (wait.compareTo(MAX_WAIT) > 0) {
        break; // longer than a reconcile should hold a thread: the reconciler backs off instead
      }
      if (attempt < (idempotent ? ATTEMPTS : 1)) {
        sleep(wait);
      }
    }
    throw last;
  }

  static ProviderException translate(String doing, int code, String body) {
    String id = "";
    String message = body;
    try {
      JsonNode error = MAPPER.readTree(body);
      id = error.path("id").asText("");
      message = error.path("message").asText(body);
    } catch (IOException notJson) {
      // keep the raw body
    }
    String text = doing + ": " + code + " " + id + ": " + message;
    if (code == 401) {
      return ProviderException.permanent(
          "InvalidCredentials",
          text + " (check the token in the cluster's digitalocean credentials Secret)",
          null);
    }
    if (code == 403) {
      return ProviderException.permanent(
          "PermissionDenied", text + " (the token needs read and write scope)", null);
    }
    if (code == 429) {
      return ProviderException.retryable("Throttled", text, null);
    }
    if (code >= 500) {
      return ProviderException.retryable("ProviderUnavailable", text, null);
    }
    String lower = message.toLowerCase();
    if (code == 422 && lower.contains("size")) {
      return ProviderException.permanent("InvalidInstanceType", text, null);
    }
    if (code == 422 && lower.contains("image")) {
      return ProviderException.permanent("InvalidImage", text, null);
    }
    if (code == 422 && lower.contains("region")) {
      return ProviderException.permanent("InvalidRegion", text, null);
    }
    if (code == 422 && (lower.contains("limit") || lower.contains("quota"))) {
      return ProviderException.retryable(
          "QuotaExceeded", text + " (raise the droplet limit of the account)", null);
    }
    if (code == 409) {
      return ProviderException.retryable("Conflict", text, null);
    }
    return ProviderException.permanent("ProviderError", text, null);
  }

  private static Optional<Duration> retryAfter(Response response) {
    String value = response.header("Retry-After");
    if (value == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Duration.ofSeconds(Long.parseLong(value.trim())));
    } catch (NumberFormatException httpDate) {
      return Optional.empty();
    }
  }

  /** 200 ms, 400 ms, 800 ms … with full jitter. */
  private static Duration backoff(int attempt) {
    long cap = 200L << (attempt - 1);
    return Duration.ofMillis(cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1));
  }

  private static void sleep(Duration wait) throws ProviderException {
    try {
      Thread.sleep(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ProviderException.retryable("Interrupted", "interrupted while waiting to retry", e);
    }
  }
}
