package io.meshfed.e2e.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.agent.CoordinationClient;
import io.meshfed.agent.PinnedTrust;
import io.meshfed.api.agent.AgentFacts;
import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.JoinResponse;
import io.meshfed.api.agent.KeyProof;
import io.meshfed.api.agent.StatusReport;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Simulated agents: each joins with the cluster token, reports once, then long-polls its map for
 * ever, as the real agent does, keeping only which peers it has (a bit per peer), so that thousands
 * fit in one JVM. One TLS connection per agent, as in a real mesh, over a few HTTP clients.
 */
final class Swarm implements AutoCloseable {
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private static final String AGENT_PREFIX = "a-";
  private static final int JOIN_THREADS = 16;

  /** One probe join: per agent, how long after the join began it had the probe in its map. */
  record Probe(long firstMs, long untilAllMs, long[] perAgentMs, long bytes) {}

  private final URI server;
  private final String token;
  private final CoordinationClient joins;

  /**
   * Several clients, each with its own selector thread: one thread reading thousands of sockets
   * would time itself.
   */
  private final HttpClient[] polls = new HttpClient[4];

  private final ExecutorService responses =
      Executors.newFixedThreadPool(4, daemon("swarm-response"));
  private final ScheduledExecutorService retries =
      Executors.newSingleThreadScheduledExecutor(daemon("swarm-retry"));
  private final SimAgent[] agents;
  private final AtomicLong bytesReceived = new AtomicLong();
  private volatile ProbeWatch probe;
  private volatile boolean closed;

  Swarm(String server, String caHash, String token, int size) {
    this.server = URI.create(server + "/");
    this.token = token;
    this.joins = new CoordinationClient(server, caHash);
    for (int i = 0; i < polls.length; i++) {
      polls[i] =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .sslContext(PinnedTrust.context(caHash))
              .connectTimeout(Duration.ofSeconds(10))
              .executor(responses)
              .build();
    }
    this.agents = new SimAgent[size];
    for (int i = 0; i < size; i++) {
      agents[i] = new SimAgent(i);
    }
  }

  /**
   * Joins every agent, a few at a time, as machines boot. Their long-polls start afterwards ({@link
   * #startPolling}): agents polling during the joins would turn the setup into N² small maps, which
   * is not what is measured here.
   */
  void joinAll() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(JOIN_THREADS, daemon("swarm-join"));
    try {
      List<Future<?>> joined = new ArrayList<>();
      for (SimAgent agent : agents) {
        joined.add(
            pool.submit(
                () -> {
                  agent.credential = joinAndReport(agent.name, agent.index);
                  return null;
                }));
      }
      for (Future<?> f : joined) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Every agent asks for its map with no version: each gets the full map, as after an operator
   * restart.
   */
  void startPolling() {
    for (SimAgent agent : agents) {
      agent.poll();
    }
  }

  /** Until every agent has every other one in its map. */
  void awaitConverged(Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    int lagging = agents.length;
    while (System.nanoTime() < deadline) {
      lagging = 0;
      for (SimAgent agent : agents) {
        if (agent.knownCount() < agents.length - 1) {
          lagging++;
        }
      }
      if (lagging == 0) {
        return;
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException(
        lagging + " of " + agents.length + " agents still lack peers after " + within);
  }

  /** A new peer joins and reports; returns when every agent has it in its map. */
  Probe probe(String name, Duration within) throws Exception {
    ProbeWatch watch = new ProbeWatch(name, agents.length);
    long bytesBefore = bytesReceived.get();
    probe = watch;
    joinAndReport(name, agents.length + 1_000_000);
    if (!watch.done.await(within.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException(
          watch.remaining.get()
              + " of "
              + agents.length
              + " agents lack "
              + name
              + " after "
              + within);
    }
    long bytes = bytesReceived.get() - bytesBefore;
    probe = null;
    long first = Long.MAX_VALUE;
    long untilAll = 0;
    long[] perAgent = new long[agents.length];
    for (int i = 0; i < perAgent.length; i++) {
      perAgent[i] = (watch.seenAt[i] - watch.start) / 1_000_000;
      first = Math.min(first, perAgent[i]);
      untilAll = Math.max(untilAll, perAgent[i]);
    }
    return new Probe(first, untilAll, perAgent, bytes);
  }

  private String joinAndReport(String name, int index) throws Exception {
    String privateKey = KeyProof.newPrivateKey();
    // addresses are only data here: nothing is ever sent to them
    List<String> endpoints =
        List.of("198.18." + (index / 250 % 250) + "." + (index % 250 + 1) + ":51820");
    AgentFacts facts = new AgentFacts(2, 4L << 30, "linux", "amd64", "bench", name);
    JoinRequest request =
        new JoinRequest(token, name, KeyProof.publicKeyOf(privateKey), endpoints, facts);
    JoinResponse joined = null;
    for (int attempt = 0; joined == null; attempt++) {
      try {
        joined = joins.join(request, privateKey);
      } catch (ConnectException e) {
        if (attempt > 100) {
          throw e;
        }
        Thread.sleep(300); // the operator is still starting
      }
    }
    joins.status(joined.credential(), new StatusReport(name, null, endpoints, facts, List.of()));
    return joined.credential();
  }

  private void seen(SimAgent agent, String peer, long at) {
    if (peer.startsWith(AGENT_PREFIX)) {
      agent.known(Integer.parseInt(peer.substring(AGENT_PREFIX.length())), true);
      return;
    }
    ProbeWatch watch = probe;
    if (watch != null && watch.name.equals(peer) && watch.seenAt[agent.index] == 0) {
      watch.seenAt[agent.index] = at;
      if (watch.remaining.decrementAndGet() == 0) {
        watch.done.countDown();
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    retries.shutdownNow();
    responses.shutdownNow();
  }

  private static final class ProbeWatch {
    final String name;
    final long start = System.nanoTime();
    final long[] seenAt;
    final AtomicInteger remaining;
    final CountDownLatch done = new CountDownLatch(1);

    ProbeWatch(String name, int agents) {
      this.name = name;
      this.seenAt = new long[agents];
      this.remaining = new AtomicInteger(agents);
    }
  }

  private final class SimAgent {
    final int index;
    final String name;
    volatile String credential;
    private String version;
    private final BitSet known = new BitSet();

    SimAgent(int index) {
      this.index = index;
      this.name = AGENT_PREFIX + index;
    }

    synchronized int knownCount() {
      return known.cardinality();
    }

    synchronized void known(int peer, boolean present) {
      known.set(peer, present);
    }

    void poll() {
      if (closed) {
        return;
      }
      String query =
          "api/v1/netmap?peer="
              + URLEncoder.encode(name, StandardCharsets.UTF_8)
              + (version == null
                  ? ""
                  : "&since=" + URLEncoder.encode(version, StandardCharsets.UTF_8));
      HttpRequest request =
          HttpRequest.newBuilder(server.resolve(query))
              .header("Authorization", "Bearer " + credential)
              .timeout(Duration.ofSeconds(45))
              .GET()
              .build();
      polls[index % polls.length]
          .sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
          .whenComplete(
              (response, error) -> {
                long at = System.nanoTime();
                if (error != null || response.statusCode() >= 300) {
                  if (!closed) {
                    retries.schedule(this::poll, 1, TimeUnit.SECONDS);
                  }
                  return;
                }
                bytesReceived.addAndGet(wireSize(response));
                if (response.statusCode() == 200) {
                  apply(response.body(), at);
                }
                poll();
              });
    }

    /**
     * Reads the map as a stream of tokens: version, full, the peers' names and the removed names
     * are all a simulated agent keeps (a tree per full map of thousands of peers would make the
     * load generator, not the operator, the slow part).
     */
    private void apply(byte[] body, long at) {
      try (JsonParser json = JSON.getFactory().createParser(body)) {
        if (json.nextToken() != JsonToken.START_OBJECT) {
          throw new IllegalStateException(name + " got a map that is not a JSON object");
        }
        while (json.nextToken() == JsonToken.FIELD_NAME) {
          String field = json.getCurrentName();
          JsonToken value = json.nextToken();
          switch (field) {
            case "version":
              version = json.getText();
              break;
            case "full":
              if (value == JsonToken.VALUE_TRUE) {
                synchronized (this) {
                  known.clear();
                }
              }
              break;
            case "peers":
              while (json.nextToken() == JsonToken.START_OBJECT) {
                while (json.nextToken() == JsonToken.FIELD_NAME) {
                  String peerField = json.getCurrentName();
                  json.nextToken();
                  if (peerField.equals("name")) {
                    seen(this, json.getText(), at);
                  } else {
                    json.skipChildren();
                  }
                }
              }
              break;
            case "removed":
              while (json.nextToken() == JsonToken.VALUE_STRING) {
                String gone = json.getText();
                if (gone.startsWith(AGENT_PREFIX)) {
                  known(Integer.parseInt(gone.substring(AGENT_PREFIX.length())), false);
                }
              }
              break;
            default:
              json.skipChildren();
          }
        }
      } catch (IOException e) {
        throw new IllegalStateException(name + " got a map that is not JSON", e);
      }
    }
  }

  /** Bytes of the HTTP response before TLS: status line, headers and body. */
  private static long wireSize(HttpResponse<byte[]> response) {
    long size = "HTTP/1.1 200 OK\r\n\r\n".length() + response.body().length;
    for (var header : response.headers().map().entrySet()) {
      for (String value : header.getValue()) {
        size += header.getKey().length() + 2 + value.length() + 2;
      }
    }
    return size;
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
