package io.meshfed.agent;

import io.meshfed.api.agent.ApiError;
import io.meshfed.api.agent.CaBundle;
import io.meshfed.api.agent.JoinChallenge;
import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.JoinResponse;
import io.meshfed.api.agent.KeyRotation;
import io.meshfed.api.agent.NetMap;
import io.meshfed.api.agent.StatusReport;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The agent's side of the agent API, over HTTPS with the CA pinned by hash. */
public final class CoordinationClient {
  /** The server said no (4xx/5xx); {@link #error} is its JSON body. */
  public static final class Refused extends Exception {
    private final int status;
    private final ApiError error;

    public Refused(int status, ApiError error) {
      super("HTTP " + status + " " + error.reason() + ": " + error.message());
      this.status = status;
      this.error = error;
    }

    public int status() {
      return status;
    }

    public ApiError error() {
      return error;
    }
  }

  /** How long the agent waits: to connect, for a report's answer, for other calls, for a poll. */
  public record Timeouts(Duration connect, Duration report, Duration call, Duration poll) {
    public static final Timeouts DEFAULT =
        new Timeouts(
            Duration.ofSeconds(5),
            Duration.ofSeconds(15),
            Duration.ofSeconds(30),
            Duration.ofSeconds(45));
  }

  private final URI server;
  private final PinnedTrust trust;
  private final Timeouts timeouts;

  /** The connection every request goes over; replaced when it looks dead. */
  private volatile HttpClient http;

  /** When the last answer came over {@link #http} (any answer, any status). */
  private volatile long lastAnswerNanos = System.nanoTime();

  public CoordinationClient(String server, String caHash) {
    this(server, List.of(caHash));
  }

  /** A client that trusts any of these CAs, until {@link #repin} says otherwise. */
  public CoordinationClient(String server, List<String> caHashes) {
    this(server, caHashes, Timeouts.DEFAULT);
  }

  public CoordinationClient(String server, List<String> caHashes, Timeouts timeouts) {
    this.server = URI.create(server.endsWith("/") ? server : server + "/");
    this.trust = PinnedTrust.of(caHashes);
    this.timeouts = timeouts;
    this.http = connection();
  }

  /**
   * HTTP/2: the long poll, the reports and log chunks share one TLS connection, and a request that
   * times out resets its stream, not the connection — over HTTP/1.1 each concurrent request held a
   * connection of its own and a timeout closed it, so a slow operator met a storm of new handshakes
   * from its whole fleet (decision 0027).
   */
  private HttpClient connection() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_2)
        .sslContext(PinnedTrust.context(trust))
        .connectTimeout(timeouts.connect())
        .build();
  }

  /**
   * Sends over the agent's connection. A request that timed out while nothing at all came back
   * since it was sent says the connection may be dead (its replica's machine gone without a word, a
   * NAT mapping dropped): the next request goes over a new one. While other answers still arrive
   * the connection is only slow, and is kept — a new handshake would add to the load.
   */
  private HttpResponse<byte[]> exchange(HttpRequest request)
      throws IOException, InterruptedException {
    HttpClient current = http;
    long sent = System.nanoTime();
    try {
      HttpResponse<byte[]> response =
          current.send(request, HttpResponse.BodyHandlers.ofByteArray());
      lastAnswerNanos = System.nanoTime();
      return response;
    } catch (HttpTimeoutException e) {
      if (lastAnswerNanos - sent < 0) {
        replace(current);
      }
      throw e;
    }
  }

  private synchronized void replace(HttpClient dead) {
    if (http == dead) { // once, for all the requests that timed out on it
      http = connection();
      lastAnswerNanos = System.nanoTime();
    }
  }

  /** Trusts these CAs from the next connection on (connections open now were checked already). */
  public void repin(List<String> caHashes) {
    trust.repin(caHashes);
  }

  /**
   * Joins, proving with the private key (base64, as {@code wg genkey} writes it) that the request's
   * public key is this machine's: asks for a challenge, answers it in the join.
   */
  public JoinResponse join(JoinRequest request, String privateKey)
      throws IOException, InterruptedException, Refused {
    JoinChallenge challenge = challenge();
    return send(
            post("api/v1/join", null, request.proven(challenge, privateKey))
                .timeout(timeouts.call())
                .build(),
            JoinResponse.class)
        .orElseThrow();
  }

  /** A challenge for the next join ({@code KeyProof}). */
  public JoinChallenge challenge() throws IOException, InterruptedException, Refused {
    return send(
            post("api/v1/join/challenge", null, Map.of()).timeout(timeouts.call()).build(),
            JoinChallenge.class)
        .orElseThrow();
  }

  /** Long-polls; empty when the server had nothing new before its timeout. */
  public Optional<NetMap> netmap(String credential, String peer, String since)
      throws IOException, InterruptedException, Refused {
    String query =
        "?peer="
            + URLEncoder.encode(peer, StandardCharsets.UTF_8)
            + (since == null ? "" : "&since=" + URLEncoder.encode(since, StandardCharsets.UTF_8));
    HttpRequest request =
        HttpRequest.newBuilder(server.resolve("api/v1/netmap" + query))
            .header("Authorization", "Bearer " + credential)
            .timeout(timeouts.poll())
            .GET()
            .build();
    return send(request, NetMap.class);
  }

  /** Replaces the peer's WireGuard key; the answer names the key the operator now holds. */
  public KeyRotation.Accepted rotateKey(String credential, KeyRotation rotation)
      throws IOException, InterruptedException, Refused {
    return send(
            post("api/v1/rotate-key", credential, rotation).timeout(timeouts.call()).build(),
            KeyRotation.Accepted.class)
        .orElseThrow();
  }

  /**
   * Reports; answers the CAs the operator says to trust from now on (empty when it did not say).
   */
  public List<String> status(String credential, StatusReport report)
      throws IOException, InterruptedException, Refused {
    return report(credential, report).caHashes();
  }

  /**
   * What a status answer asks of the agent.
   *
   * @param caHashes the CAs to trust from now on (empty when it did not say)
   * @param shortestInterval report no more often than this (zero when it did not say)
   */
  public record StatusAnswer(List<String> caHashes, Duration shortestInterval) {}

  /** Reports; answers what the operator asks from now on. */
  public StatusAnswer report(String credential, StatusReport report)
      throws IOException, InterruptedException, Refused {
    HttpResponse<byte[]> response =
        exchange(post("api/v1/status", credential, report).timeout(timeouts.report()).build());
    read(response, Void.class);
    return new StatusAnswer(
        CaBundle.parse(response.headers().firstValue(CaBundle.HEADER).orElse(null)),
        shortestInterval(response.headers().firstValue(StatusReport.INTERVAL_HEADER)));
  }

  /** Whole seconds, as the operator writes them; anything else (or nothing) asks for nothing. */
  static Duration shortestInterval(Optional<String> header) {
    try {
      long seconds = header.map(String::strip).map(Long::parseLong).orElse(0L);
      return Duration.ofSeconds(Math.min(Math.max(seconds, 0), MAX_ASKED_INTERVAL.toSeconds()));
    } catch (NumberFormatException e) {
      return Duration.ZERO;
    }
  }

  /** An operator's ask beyond this is capped: an agent that is silent too long looks gone. */
  static final Duration MAX_ASKED_INTERVAL = Duration.ofMinutes(5);

  /**
   * Sends a chunk of a log stream (empty: asks whether its reader is still there). Answers 204
   * (taken), 404 (nobody reads it: stop) or 429 (the reader is slow: send it again).
   */
  public int logChunk(String credential, String peer, String stream, byte[] bytes)
      throws IOException, InterruptedException, Refused {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(server.resolve(logPath(stream, "chunks", peer)))
            .header("Authorization", "Bearer " + credential)
            .header("Content-Type", "application/octet-stream")
            .timeout(timeouts.call())
            .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
    if (bytes.length == 0) {
      // over HTTP/2 the JDK's client leaves Content-Length out of an empty body, and the operator
      // refuses a chunk of unsaid length before reading it (411): this question goes over
      // HTTP/1.1, which says 0
      request.version(HttpClient.Version.HTTP_1_1);
    }
    HttpResponse<byte[]> response = exchange(request.build());
    int status = response.statusCode();
    if (status == 204 || status == 404 || status == 429) {
      return status;
    }
    read(response, Void.class);
    return status;
  }

  /** Ends a log stream: all was sent, or (with an error) nothing could be. */
  public void logEnd(String credential, String peer, String stream, ApiError error)
      throws IOException, InterruptedException, Refused {
    HttpResponse<byte[]> response =
        exchange(
            post(logPath(stream, "end", peer), credential, error == null ? Map.of() : error)
                .timeout(timeouts.report())
                .build());
    if (response.statusCode() != 404) { // a reader gone needs no end
      read(response, Void.class);
    }
  }

  private static String logPath(String stream, String what, String peer) {
    return "api/v1/logs/streams/"
        + URLEncoder.encode(stream, StandardCharsets.UTF_8)
        + "/"
        + what
        + "?peer="
        + URLEncoder.encode(peer, StandardCharsets.UTF_8);
  }

  private HttpRequest.Builder post(String path, String credential, Object body) throws IOException {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(server.resolve(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(AgentState.JSON.writeValueAsBytes(body)));
    if (credential != null) {
      builder.header("Authorization", "Bearer " + credential);
    }
    return builder;
  }

  private <T> Optional<T> send(HttpRequest request, Class<T> type)
      throws IOException, InterruptedException, Refused {
    return read(exchange(request), type);
  }

  private static <T> Optional<T> read(HttpResponse<byte[]> response, Class<T> type)
      throws IOException, Refused {
    int status = response.statusCode();
    if (status == 204 || type == Void.class && status < 300) {
      return Optional.empty();
    }
    if (status >= 200 && status < 300) {
      return Optional.of(AgentState.JSON.readValue(response.body(), type));
    }
    ApiError error;
    try {
      error = AgentState.JSON.readValue(response.body(), ApiError.class);
    } catch (IOException e) {
      error = new ApiError("HTTP" + status, new String(response.body(), StandardCharsets.UTF_8));
    }
    throw new Refused(status, error);
  }
}
