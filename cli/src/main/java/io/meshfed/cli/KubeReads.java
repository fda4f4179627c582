package io.meshfed.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientImpl;
import io.fabric8.kubernetes.client.utils.HttpClientUtils;
import java.io.IOException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The plugin's read path: Fabric8's Config (kubeconfig, context, every auth it knows) and its HTTP
 * client with the same interceptors, but not the KubernetesClient — building that registers the
 * whole Kubernetes model (~1.8 s of a describe; bench/RESULTS.md). The few GETs are parsed with
 * plain Jackson into meshfed's own types.
 */
final class KubeReads implements AutoCloseable {
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

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
    } catch (IOException e) {
      throw new KubernetesClientException("reading " + path + ": " + e.getMessage(), e);
    }
  }

  /** GET a list's items; the answer is parsed on the HTTP client's threads. */
  <T> CompletableFuture<List<T>> list(String path, Class<T> type) {
    ObjectReader reader = JSON.readerFor(itemsOf(type));
    return sendAsync(path)
        .thenApply(
            response -> {
              check(path, response);
              try {
                Items<T> items = reader.readValue(response.body());
                return items.items() == null ? List.of() : items.items();
              } catch (IOException e) {
                throw new KubernetesClientException("reading " + path + ": " + e.getMessage(), e);
              }
            });
  }

  /** Waits for a list, with its own exception rather than a CompletionException. */
  static <T> T await(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  /**
   * Builds the readers for these kinds' lists on another core, while the command line is parsed and
   * TLS starts: Jackson's first look at a model type costs as much as the request.
   */
  static void prepare(List<Class<?>> types) {
    Thread warmUp =
        new Thread(() -> types.forEach(type -> JSON.readerFor(itemsOf(type))), "prepare-readers");
    warmUp.setDaemon(true);
    warmUp.start();
  }

  private static JavaType itemsOf(Class<?> type) {
    return JSON.getTypeFactory().constructParametricType(Items.class, type);
  }

  /** A list's body: only its items matter here. */
  record Items<T>(List<T> items) {}

  private HttpResponse<String> send(String path) {
    return await(sendAsync(path));
  }

  private CompletableFuture<HttpResponse<String>> sendAsync(String path) {
    String base =
        config.getMasterUrl().endsWith("/") ? config.getMasterUrl() : config.getMasterUrl() + "/";
    return http.sendAsync(
            http.newHttpRequestBuilder()
                .uri(base + path.substring(1))
                .header("Accept", "application/json")
                .build(),
            String.class)
        .orTimeout(config.getRequestTimeout(), TimeUnit.MILLISECONDS)
        .handle(
            (response, failure) -> {
              if (failure == null) {
                return response;
              }
              Throwable cause =
                  failure instanceof CompletionException ? failure.getCause() : failure;
              if (cause instanceof TimeoutException) {
                throw new KubernetesClientException(
                    "no answer from "
                        + config.getMasterUrl()
                        + " in "
                        + config.getRequestTimeout()
                        + " ms",
                    cause);
              }
              throw KubernetesClientException.launderThrowable(cause);
            });
  }

  private static void check(String path, HttpResponse<String> response) {
    if (!response.isSuccessful()) {
      String message = response.body();
      try {
        message = JSON.readTree(response.body()).path("message").asText(message);
      } catch (IOException | RuntimeException e) {
        // not a Status: keep the body
      }
      throw new KubernetesClientException("GET " + path + ": " + message, response.code(), null);
    }
  }

  @Override
  public void close() {
    Object jdkClient = jdkClient(http); // Fabric8's close drops its reference
    http.close();
    stopSelector(jdkClient);
  }

  private static Object jdkClient(HttpClient http) {
    if (!(http instanceof JdkHttpClientImpl)) {
      return null;
    }
    try {
      Method client = JdkHttpClientImpl.class.getDeclaredMethod("getHttpClient");
      client.setAccessible(true); // package-private in Fabric8; the plugin runs on the class path
      return client.invoke(http);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Stops the JDK HTTP client's selector thread, which Fabric8's close leaves in epoll_wait: on the
   * way out HotSpot waits 300 ms for threads in native code to stop (a third of a describe,
   * measured with strace). {@code HttpClient.shutdownNow} is JDK 21+; on 17 the wait stays.
   */
  private static void stopSelector(Object jdkClient) {
    if (jdkClient == null) {
      return;
    }
    try {
      java.net.http.HttpClient.class.getMethod("shutdownNow").invoke(jdkClient);
    } catch (ReflectiveOperationException | RuntimeException olderJdk) {
      // JDK 17–20: no way to stop it but the exit
    }
  }
}
