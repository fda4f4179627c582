package io.meshfed.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The shell of an HTTP cloud fake on loopback: one handler, a log of requests, and failures the
 * test queues up to be answered instead of the next matching requests (429 with Retry-After, 5xx,
 * 409 …). Subclasses answer the documented JSON of their cloud.
 */
public abstract class FakeCloud implements AutoCloseable {
  protected static final ObjectMapper JSON = new ObjectMapper();

  /** An HTTP response the fake gives. */
  public record Reply(int status, String body, Map<String, String> headers) {
    public static Reply json(int status, Object body) {
      try {
        return new Reply(
            status,
            body == null ? "" : JSON.writeValueAsString(body),
            Map.of("Content-Type", "application/json"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    public static Reply empty(int status) {
      return new Reply(status, "", Map.of());
    }
  }

  /** A request as the fake received it. */
  public record Call(
      String method, String path, String query, Map<String, List<String>> headers, String body) {
    public String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .flatMap(e -> e.getValue().stream())
          .findFirst()
          .orElse(null);
    }

    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private record Failure(String method, String pathPrefix, Reply reply) {}

  private final HttpServer server;
  private final boolean tls;
  private final Deque<Failure> failures = new ConcurrentLinkedDeque<>();
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final List<String> bugs = new CopyOnWriteArrayList<>();

  protected FakeCloud() {
    this(false);
  }

  /**
   * @param tls serve HTTPS with {@link FakeTls}'s certificate
   */
  protected FakeCloud(boolean tls) {
    this.tls = tls;
    try {
      InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
      if (tls) {
        HttpsServer https = HttpsServer.create(address, 0);
        https.setHttpsConfigurator(new HttpsConfigurator(FakeTls.shared().serverContext()));
        server = https;
      } else {
        server = HttpServer.create(address, 0);
      }
    } catch (Exception e) {
      throw new IllegalStateException("starting " + getClass().getSimpleName(), e);
    }
    server.setExecutor(
        Executors.newFixedThreadPool(
            4,
            r -> {
              Thread t = new Thread(r, getClass().getSimpleName());
              t.setDaemon(true);
              return t;
            }));
    server.createContext("/", this::serve);
    server.start();
  }

  public URI endpoint() {
    return URI.create((tls ? "https" : "http") + "://127.0.0.1:" + server.getAddress().getPort());
  }

  /** The next request of this method whose path starts so is answered with this reply instead. */
  public void failNext(String method, String pathPrefix, Reply reply) {
    failures.add(new Failure(method, pathPrefix, reply));
  }

  private volatile Reply outage;

  /** Until {@link #recover()}, every request gets this reply: the cloud is down. */
  public void outage(Reply reply) {
    this.outage = reply;
  }

  public void recover() {
    this.outage = null;
  }

  public List<Call> calls() {
    return Collections.unmodifiableList(new ArrayList<>(calls));
  }

  public long count(String method, String pathPrefix) {
    return calls.stream()
        .filter(c -> c.method().equals(method) && c.path().startsWith(pathPrefix))
        .count();
  }

  /** Answers one request with the cloud's state; called one at a time. */
  protected abstract Reply handle(Call call);

  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      Call call =
          new Call(
              exchange.getRequestMethod(),
              exchange.getRequestURI().getPath(),
              exchange.getRequestURI().getRawQuery(),
              Map.copyOf(exchange.getRequestHeaders()),
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      calls.add(call);
      Reply down = outage;
      Reply reply = down != null ? down : injectedFailure(call);
      if (reply == null) {
        try {
          synchronized (this) {
            reply = handle(call);
          }
        } catch (RuntimeException bug) {
          // a bug of the fake: answer at once (a client must not wait on it) and keep it for the
          // test
          bugs.add(call.method() + " " + call.path() + ": " + bug);
          reply =
              Reply.json(
                  500, Map.of("error", Map.of("code", 500, "message", "fake failed: " + bug)));
        }
      }
      reply.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
      byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        exchange.getResponseBody().write(body);
      }
    }
  }

  /** Requests the fake itself failed on: a test that sees any did not test the provider. */
  public List<String> bugs() {
    return List.copyOf(bugs);
  }

  private Reply injectedFailure(Call call) {
    for (Failure failure : failures) {
      if (failure.method().equals(call.method())
          && call.path().startsWith(failure.pathPrefix())
          && failures.remove(failure)) {
        return failure.reply();
      }
    }
    return null;
  }

  protected static ObjectNode object() {
    return JSON.createObjectNode();
  }

  /** Query parameters, decoded. */
  protected static Map<String, String> query(Call call) {
    Map<String, String> params = new LinkedHashMap<>();
    if (call.query() != null) {
      for (String pair : call.query().split("&")) {
        int eq = pair.indexOf('=');
        String key =
            URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String value =
            eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        params.put(key, value);
      }
    }
    return params;
  }

  @Override
  public void close() {
    server.stop(0);
    ((ExecutorService) server.getExecutor()).shutdownNow();
  }
}
