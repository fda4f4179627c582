package io.meshfed.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.utils.HttpClientUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The plugin's read path: Fabric8's Config (kubeconfig, context, every auth it knows) and its HTTP
 * client with the same interceptors, but not the KubernetesClient — building that registers the
 * whole Kubernetes model (~1.8 s of a describe; bench/RESULTS.md). The few GETs are parsed with
 * plain Jackson into meshfed's own types.
 */
final class KubeReads implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final Config config;
  private final HttpClient http;

  KubeReads(Config config) {
    this.config = config;
    this.http = HttpClientUtils.createHttpClient(config);
  }

  String namespace() {
    return config.getNamespace();
  }

  /** GET one object; empty when the server says 404. */
  <T> Optional<T> get(String path, Class<T> type) {
    HttpResponse<String> response = send(path);
    if (response.code() == 404) {
      return Optional.empty();
    }
    check(path, response);
    try {
      return Optional.of(JSON.readValue(response.body(), type));
    } catch (java.io.IOException e) {
      throw new KubernetesClientException("reading " + path + ": " + e.getMessage(), e);
    }
  }

  /** GET a list's items. */
  <T> List<T> list(String path, Class<T> type) {
    HttpResponse<String> response = send(path);
    check(path, response);
    try {
      JsonNode items = JSON.readTree(response.body()).path("items");
      JavaType listType = JSON.getTypeFactory().constructCollectionType(List.class, type);
      return items.isMissingNode() ? new ArrayList<>() : JSON.convertValue(items, listType);
    } catch (java.io.IOException | IllegalArgumentException e) {
      throw new KubernetesClientException("reading " + path + ": " + e.getMessage(), e);
    }
  }

  private HttpResponse<String> send(String path) {
    String base = config.getMasterUrl().endsWith("/") ? config.getMasterUrl() : config.getMasterUrl() + "/";
    try {
      return http.sendAsync(http.newHttpRequestBuilder().uri(base + path.substring(1))
              .header("Accept", "application/json").build(), String.class)
          .get(config.getRequestTimeout(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw KubernetesClientException.launderThrowable(e.getCause());
    } catch (TimeoutException e) {
      throw new KubernetesClientException("no answer from " + config.getMasterUrl() + " in "
          + config.getRequestTimeout() + " ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw KubernetesClientException.launderThrowable(e);
    }
  }

  private static void check(String path, HttpResponse<String> response) {
    if (!response.isSuccessful()) {
      String message = response.body();
      try {
        message = JSON.readTree(response.body()).path("message").asText(message);
      } catch (java.io.IOException | RuntimeException e) {
        // not a Status: keep the body
      }
      throw new KubernetesClientException("GET " + path + ": " + message, response.code(), null);
    }
  }

  @Override
  public void close() {
    http.close();
  }
}
