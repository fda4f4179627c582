package io.meshfed.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The dashboard's HTTP side, on 127.0.0.1 only: the page and its assets from the plugin's jar, the
 * current document ({@code /api/view}) and a stream of documents as the cluster changes ({@code
 * /api/stream}, server-sent events). Everything the page shows comes from the user's own
 * credentials, so the server guards them as a local web app must: a random token in the URL it
 * prints (kept in a same-site cookie), and only its own Host (no DNS rebinding from a web page).
 */
final class DashboardServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String COOKIE = "meshfed-dashboard";

  /** A stream with this many documents unsent is too slow: it is closed, the page reconnects. */
  static final int STREAM_BACKLOG = 4;

  /** A comment line this often keeps proxies and the browser from timing out a quiet stream. */
  static final long KEEPALIVE_SECONDS = 15;

  private static final Map<String, String> ASSETS =
      Map.of(
          "/", "io/meshfed/cli/dashboard/index.html",
          "/assets/app.js", "io/meshfed/cli/dashboard/app.js",
          "/assets/app.css", "io/meshfed/cli/dashboard/app.css",
          "/assets/cytoscape.min.js",
              "META-INF/resources/webjars/cytoscape/"
                  + webjarVersion("cytoscape")
                  + "/dist/cytoscape.min.js");

  private static final Map<String, String> TYPES =
      Map.of(
          "html", "text/html; charset=utf-8",
          "js", "text/javascript; charset=utf-8",
          "css", "text/css; charset=utf-8");

  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool(DashboardServer::daemon);
  private final String token;
  private final Supplier<String> current;
  private final List<LinkedBlockingQueue<String>> streams = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  /**
   * @param port the port on 127.0.0.1, 0 for any free one
   * @param current the newest document, as JSON
   */
  DashboardServer(int port, Supplier<String> current) throws IOException {
    this.current = current;
    byte[] secret = new byte[24];
    new SecureRandom().nextBytes(secret);
    this.token = HexFormat.of().formatHex(secret);
    this.server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    server.setExecutor(threads);
    server.createContext("/", this::handle);
    server.start();
  }

  /** The address to open: it carries the token once; the page then lives on its cookie. */
  String url() {
    return "http://127.0.0.1:" + port() + "/?token=" + token;
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** Tells every open stream that the document changed. */
  void publish(String document) {
    for (LinkedBlockingQueue<String> stream : streams) {
      if (!stream.offer(document) || stream.size() > STREAM_BACKLOG) {
        stream.clear();
        stream.offer(CLOSE); // a reader this slow starts over with the newest document
      }
    }
  }

  private static final String CLOSE = "\u0000close";

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      if (!ownHost(exchange.getRequestHeaders().getFirst("Host"))) {
        send(
            exchange, 403, "text/plain", "the dashboard answers only at " + url().split("/\\?")[0]);
        return;
      }
      if (!"GET".equals(exchange.getRequestMethod())) {
        exchange.getResponseHeaders().set("Allow", "GET");
        send(exchange, 405, "text/plain", "only GET");
        return;
      }
      if (path.equals("/")) {
        String query = exchange.getRequestURI().getQuery();
        if (query != null && query.startsWith("token=") && same(query.substring(6), token)) {
          exchange
              .getResponseHeaders()
              .add("Set-Cookie", COOKIE + "=" + token + "; Path=/; HttpOnly; SameSite=Strict");
        } else if (!hasCookie(exchange)) {
          send(
              exchange,
              401,
              "text/plain",
              "open the address kubectl meshfed dashboard printed: it carries the token");
          return;
        }
      }
      if (path.startsWith("/api/") && !hasCookie(exchange)) {
        send(exchange, 401, "text/plain", "no dashboard cookie: open the printed address again");
        return;
      }
      switch (path) {
        case "/api/view" -> send(exchange, 200, "application/json", current.get());
        case "/api/stream" -> stream(exchange);
        default -> asset(exchange, path);
      }
    }
  }

  private void asset(HttpExchange exchange, String path) throws IOException {
    String resource = ASSETS.get(path);
    if (resource == null) {
      send(exchange, 404, "text/plain", "no " + path + " here");
      return;
    }
    try (InputStream in = getClass().getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        send(exchange, 500, "text/plain", resource + " is missing from the plugin's jar");
        return;
      }
      byte[] body = in.readAllBytes();
      String extension = resource.substring(resource.lastIndexOf('.') + 1);
      exchange.getResponseHeaders().set("Content-Type", TYPES.get(extension));
      exchange.getResponseHeaders().set("Cache-Control", "no-cache");
      exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
    }
  }

  /** Server-sent events: the current document, then each new one, until either side closes. */
  private void stream(HttpExchange exchange) throws IOException {
    LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>();
    queue.offer(current.get());
    streams.add(queue);
    try {
      exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
      exchange.getResponseHeaders().set("Cache-Control", "no-cache");
      exchange.sendResponseHeaders(200, 0);
      OutputStream out = exchange.getResponseBody();
      while (!closed) {
        String next = queue.poll(KEEPALIVE_SECONDS, TimeUnit.SECONDS);
        if (CLOSE.equals(next)) {
          return;
        }
        String frame = next == null ? ": keepalive\n\n" : "data: " + next + "\n\n";
        out.write(frame.getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException gone) {
      // the page closed or reloaded
    } finally {
      streams.remove(queue);
    }
  }

  private boolean ownHost(String host) {
    return host != null
        && Set.of("127.0.0.1:" + port(), "localhost:" + port()).contains(host.toLowerCase());
  }

  private boolean hasCookie(HttpExchange exchange) {
    List<String> cookies = exchange.getRequestHeaders().get("Cookie");
    if (cookies == null) {
      return false;
    }
    for (String header : cookies) {
      for (String cookie : header.split(";")) {
        String[] pair = cookie.trim().split("=", 2);
        if (pair.length == 2 && pair[0].equals(COOKIE) && same(pair[1], token)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean same(String given, String expected) {
    return MessageDigest.isEqual(
        given.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange exchange, int code, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(code, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  static String json(Object document) {
    try {
      return JSON.writeValueAsString(document);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The version of a WebJar on the class path, from the pom.properties it carries. */
  static String webjarVersion(String name) {
    String properties = "META-INF/maven/org.webjars.npm/" + name + "/pom.properties";
    try (InputStream in = DashboardServer.class.getClassLoader().getResourceAsStream(properties)) {
      if (in == null) {
        return "missing";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "missing");
    } catch (IOException e) {
      return "missing";
    }
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r, "dashboard-http");
    t.setDaemon(true);
    return t;
  }

  @Override
  public void close() {
    closed = true;
    streams.forEach(q -> q.offer(CLOSE));
    server.stop(0);
    threads.shutdownNow();
  }
}
