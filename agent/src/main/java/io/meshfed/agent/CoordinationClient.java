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

  private final URI server;
  private final HttpClient http;
  private final PinnedTrust trust;

  public CoordinationClient(String server, String caHash) {
    this(server, List.of(caHash));
  }

  /** A client that trusts any of these CAs, until {@link #repin} says otherwise. */
  public CoordinationClient(String server, List<String> caHashes) {
    this.server = URI.create(server.endsWith("/") ? server : server + "/");
    this.trust = PinnedTrust.of(caHashes);
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(PinnedTrust.context(trust))
            .connectTimeout(Duration.ofSeconds(5))
            .build();
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
                .timeout(Duration.ofSeconds(30))
                .build(),
            JoinResponse.class)
        .orElseThrow();
  }

  /** A challenge for the next join ({@code KeyProof}). */
  public JoinChallenge challenge() throws IOException, InterruptedException, Refused {
    return send(
            post("api/v1/join/challenge", null, Map.of()).timeout(Duration.ofSeconds(30)).build(),
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
            .timeout(Duration.ofSeconds(45))
            .GET()
            .build();
    return send(request, NetMap.class);
  }

  /** Replaces the peer's WireGuard key; the answer names the key the operator now holds. */
  public KeyRotation.Accepted rotateKey(String credential, KeyRotation rotation)
      throws IOException, InterruptedException, Refused {
    return send(
            post("api/v1/rotate-key", credential, rotation).timeout(Duration.ofSeconds(30)).build(),
            KeyRotation.Accepted.class)
        .orElseThrow();
  }

  /**
   * Reports; answers the CAs the operator says to trust from now on (empty when it did not say).
   */
  public List<String> status(String credential, StatusReport report)
      throws IOException, InterruptedException, Refused {
    HttpResponse<byte[]> response =
        http.send(
            post("api/v1/status", credential, report).timeout(Duration.ofSeconds(15)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    read(response, Void.class);
    return CaBundle.parse(response.headers().firstValue(CaBundle.HEADER).orElse(null));
  }

  /**
   * Sends a chunk of a log stream (empty: asks whether its reader is still there). Answers 204
   * (taken), 404 (nobody reads it: stop) or 429 (the reader is slow: send it again).
   */
  public int logChunk(String credential, String peer, String stream, byte[] bytes)
      throws IOException, InterruptedException, Refused {
    HttpRequest request =
        HttpRequest.newBuilder(server.resolve(logPath(stream, "chunks", peer)))
            .header("Authorization", "Bearer " + credential)
            .header("Content-Type", "application/octet-stream")
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
            .build();
    HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
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
        http.send(
            post(logPath(stream, "end", peer), credential, error == null ? Map.of() : error)
                .timeout(Duration.ofSeconds(15))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
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
    return read(http.send(request, HttpResponse.BodyHandlers.ofByteArray()), type);
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
