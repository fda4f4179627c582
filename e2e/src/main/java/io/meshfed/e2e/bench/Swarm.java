package io.meshfed.e2e.bench;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.agent.Backoff;
import io.meshfed.agent.CoordinationClient;
import io.meshfed.agent.PinnedTrust;
import io.meshfed.api.agent.AgentFacts;
import io.meshfed.api.agent.JoinRequest;
import io.meshfed.api.agent.JoinResponse;
import io.meshfed.api.agent.KeyProof;
import io.meshfed.api.agent.StatusReport;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.TrustOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Simulated agents: each joins with the cluster token, reports, then long-polls its map for ever
 * and reports again every status interval (the agent's default, 10 s), as the real agent does: its
 * endpoints, facts and its tunnels as a compact report (decision 0023) of a working mesh — every
 * peer of its map counted recent, listed once when it is news and then in turn, 16 a report. An
 * agent keeps only which peers it has (a bit per peer; public keys live once, in the swarm), so
 * that thousands fit in one JVM. Each agent holds one HTTP/2 connection for its polls and reports,
 * opened by its first report right after its join, as the agent does (decision 0027); the clients
 * share two Vert.x event loops so that thousands of connections need no thread each. The joins
 * themselves go over one shared connection of the agent's own client.
 */
final class Swarm implements AutoCloseable {
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private static final String AGENT_PREFIX = "a-";
  private static final int JOIN_THREADS = 16;
  private static final Duration JOIN_PATIENCE = Duration.ofMinutes(2);

  /** Working tunnels the agent lists anyway per report (its TunnelDigest's). */
  private static final int REFRESH_PER_REPORT = 16;

  /** As the agent's TunnelDigest: endpoints told as news per report, at most. */
  private static final int NEWS_PER_REPORT = 48;

  private static final String PROBE_ENDPOINT = "198.19.0.1:51820";

  /** One probe join: per agent, how long after the join began it had the probe in its map. */
  record Probe(long firstMs, long untilAllMs, long[] perAgentMs, long bytes) {}

  private final URI server;
  private final String token;
  private final CoordinationClient joins;

  /** The agents' connections' event loops (a selector thread per agent would not fit). */
  private final Vertx vertx =
      Vertx.vertx(
          new VertxOptions()
              .setEventLoopPoolSize(2)
              // a loop parsing a full map of thousands of peers is busy, not blocked
              .setMaxEventLoopExecuteTime(10)
              .setMaxEventLoopExecuteTimeUnit(TimeUnit.SECONDS));

  private final HttpClientOptions agentConnection;
  private final SimAgent[] agents;

  /** Every peer's public key, by agent index; probes' by name. */
  private final String[] publicKeys;

  private final Map<String, String> probeKeys = new ConcurrentHashMap<>();
  private final ScheduledExecutorService reporting =
      Executors.newScheduledThreadPool(2, daemon("swarm-report"));
  private final AtomicLong reportsSent = new AtomicLong();
  private final AtomicLong reportsFailed = new AtomicLong();
  private final AtomicLong bytesReceived = new AtomicLong();
  private volatile ProbeWatch probe;
  private volatile boolean closed;
  private volatile Duration reportEvery;

  private final AtomicLong longestAskedSeconds = new AtomicLong();

  /** Since when map answers are counted (a failover's start); none counted before a mark. */
  private volatile long markNanos = Long.MAX_VALUE;

  private final AtomicLong fullMapsAfterMark = new AtomicLong();
  private final AtomicLong deltasAfterMark = new AtomicLong();

  Swarm(String server, String caHash, String token, int size) {
    this.server = URI.create(server + "/");
    this.token = token;
    this.joins = new CoordinationClient(server, caHash);
    this.agentConnection =
        new HttpClientOptions()
            .setSsl(true)
            .setUseAlpn(true)
            .setProtocolVersion(HttpVersion.HTTP_2)
            .setTrustOptions(TrustOptions.wrap(PinnedTrust.of(caHash)))
            .setConnectTimeout(10_000)
            .setHttp2MaxPoolSize(1)
            // kept while the other agents join (Vert.x closes a connection unused for 60 s by
            // default): the agent's own is never unused for long — it polls and reports
            // Vert.x's default HTTP/2 windows (64 KiB), not the agent's JDK client's (16 MiB per
            // stream, 32 MiB per connection): with the agent's, one 5 000 run lost 218 of the
            // generator's connections at once after the joins (broken pipes on its side,
            // unexplained) and 44 simulated agents never got the first probe (bench/RESULTS.md)
            .setHttp2KeepAliveTimeout(0);
    this.agents = new SimAgent[size];
    this.publicKeys = new String[size];
    for (int i = 0; i < size; i++) {
      agents[i] = new SimAgent(i);
    }
  }

  /** An agent's answer: its status, body and headers. */
  private record Answer(int status, Buffer body, MultiMap headers) {
    boolean ok() {
      return status < 300;
    }
  }

  /**
   * One request over an agent's connection; {@code timeoutMs} resets the stream when nothing
   * arrived for that long, as the agent's own timeouts do.
   */
  private Future<Answer> send(
      HttpClient http,
      HttpMethod method,
      String path,
      String credential,
      byte[] body,
      long timeoutMs) {
    RequestOptions request =
        new RequestOptions()
            .setMethod(method)
            .setAbsoluteURI(server.resolve(path).toString())
            .setIdleTimeout(timeoutMs)
            .putHeader("Authorization", "Bearer " + credential);
    if (body != null) {
      request.putHeader("Content-Type", "application/json");
    }
    return http.request(request)
        .compose(r -> body == null ? r.send() : r.send(Buffer.buffer(body)))
        .compose(
            response ->
                response.body().map(b -> new Answer(response.statusCode(), b, response.headers())));
  }

  private Future<Answer> sendReport(HttpClient http, String credential, byte[] body) {
    return send(http, HttpMethod.POST, "api/v1/status", credential, body, 15_000);
  }

  /**
   * Every agent (and every probe that joined) reports every {@code interval}, at its own offset in
   * the interval, as agents that started at different times do.
   */
  void startReporting(Duration interval) {
    reportEvery = interval;
    long every = interval.toMillis();
    Random offsets = new Random(42);
    for (SimAgent agent : agents) {
      reporting.schedule(agent::report, offsets.nextLong(every), TimeUnit.MILLISECONDS);
    }
  }

  /**
   * When an agent reports next, as the agent does: its interval after the answer, or the longer
   * interval the answer asks for ({@code Meshfed-Report-Interval}). (A failed report waits the
   * interval too, where the agent backs off from 1 s.)
   */
  private void reportAgain(SimAgent agent, AsyncResult<Answer> answer) {
    long wait = reportEvery.toMillis();
    if (answer.succeeded()) {
      String asked = answer.result().headers().get(StatusReport.INTERVAL_HEADER);
      if (asked != null) {
        long askedSeconds = Long.parseLong(asked.strip());
        wait = Math.max(wait, askedSeconds * 1000);
        longestAskedSeconds.accumulateAndGet(askedSeconds, Math::max);
      }
    }
    if (!closed) {
      reporting.schedule(agent::report, wait, TimeUnit.MILLISECONDS);
    }
  }

  /** The longest report interval the operator asked for so far, in seconds (0: none asked). */
  long longestAskedIntervalSeconds() {
    return longestAskedSeconds.get();
  }

  /** Reports sent and failed (no answer, or not 2xx) since the start. */
  long[] reportCounts() {
    return new long[] {reportsSent.get(), reportsFailed.get()};
  }

  /**
   * Joins every agent, a few at a time, as machines boot. Their long-polls start afterwards ({@link
   * #startPolling}): agents polling during the joins would turn the setup into N² small maps, which
   * is not what is measured here.
   */
  void joinAll() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(JOIN_THREADS, daemon("swarm-join"));
    try {
      List<Callable<Void>> tasks = new ArrayList<>();
      for (SimAgent agent : agents) {
        tasks.add(
            () -> {
              Joined one = joinAndReport(agent.name, agent.index);
              agent.http = one.http();
              agent.credential = one.credential();
              publicKeys[agent.index] = one.publicKey();
              return null;
            });
      }
      for (var joined : pool.invokeAll(tasks)) {
        joined.get();
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
    int index = agents.length + 1_000_000;
    Joined joined = joinAndReport(name, index);
    keepReporting(name, index, joined);
    probeKeys.put(name, joined.publicKey());
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

  /** A joined agent: its credential, key, and the connection it reports (and polls) over. */
  private record Joined(String credential, String publicKey, HttpClient http) {}

  private void counted(AsyncResult<Answer> answer) {
    if (answer.failed() || !answer.result().ok()) {
      reportsFailed.incrementAndGet();
    }
  }

  private static byte[] json(Object value) {
    try {
      return JSON.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A probe goes on reporting as an agent does (its endpoints and facts; its own map is not
   * tracked, so no tunnels): its status follows what its peers observe of it.
   */
  private void keepReporting(String name, int index, Joined joined) {
    Duration every = reportEvery;
    if (every == null) {
      return;
    }
    List<String> endpoints = List.of(endpointOf(index));
    AgentFacts facts = factsOf(name);
    byte[] report = json(new StatusReport(name, null, endpoints, facts, List.of()));
    reporting.scheduleAtFixedRate(
        () -> {
          if (closed) {
            return;
          }
          reportsSent.incrementAndGet();
          sendReport(joined.http(), joined.credential(), report).onComplete(this::counted);
        },
        every.toMillis(),
        every.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private Joined joinAndReport(String name, int index) throws Exception {
    String privateKey = KeyProof.newPrivateKey();
    // addresses are only data here: nothing is ever sent to them
    List<String> endpoints = List.of(endpointOf(index));
    AgentFacts facts = factsOf(name);
    JoinRequest request =
        new JoinRequest(token, name, KeyProof.publicKeyOf(privateKey), endpoints, facts);
    // the operator may be starting, or failing over to another replica: try again for a while, as
    // a booting machine's agent does
    long deadline = System.nanoTime() + JOIN_PATIENCE.toNanos();
    JoinResponse joined = null;
    while (joined == null) {
      try {
        joined = joins.join(request, privateKey);
      } catch (IOException | CoordinationClient.Refused e) {
        if (!passing(e) || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(300);
      }
    }
    // its first report over its own connection, which it keeps (with every replica serving, a
    // standby answers 503 for the reports until another replica holds the Lease)
    byte[] first = json(new StatusReport(name, null, endpoints, facts, List.of()));
    HttpClient http = vertx.createHttpClient(agentConnection);
    while (true) {
      Answer answer;
      try {
        answer =
            sendReport(http, joined.credential(), first)
                .toCompletionStage()
                .toCompletableFuture()
                .get();
      } catch (ExecutionException e) {
        answer = null; // no answer: a refused or broken connection
      }
      if (answer != null && answer.ok()) {
        return new Joined(joined.credential(), request.publicKey(), http);
      }
      if (answer != null && answer.status() < 500 && answer.status() != 429
          || System.nanoTime() > deadline) {
        throw new IllegalStateException(
            name
                + "'s first report: "
                + (answer == null ? "no answer" : "HTTP " + answer.status() + " " + answer.body()));
      }
      Thread.sleep(300);
    }
  }

  /** A refused connection, the server's trouble or its "not now": a booting agent asks again. */
  private static boolean passing(Exception e) {
    return e instanceof IOException
        || ((CoordinationClient.Refused) e).status() >= 500
        || ((CoordinationClient.Refused) e).status() == 429;
  }

  /** What every simulated agent (and probe) says of its machine. */
  private static AgentFacts factsOf(String name) {
    return new AgentFacts(2, 4L << 30, "linux", "amd64", "bench", name);
  }

  /** Where a simulated agent's peers see it: its advertised endpoint (no NAT here). */
  private static String endpointOf(int index) {
    return "198.18." + (index / 250 % 250) + "." + (index % 250 + 1) + ":51820";
  }

  private void seen(SimAgent agent, String peer, long at) {
    if (peer.startsWith(AGENT_PREFIX)) {
      agent.known(Integer.parseInt(peer.substring(AGENT_PREFIX.length())), true);
      return;
    }
    agent.knownProbe(peer);
    ProbeWatch watch = probe;
    if (watch != null && watch.name.equals(peer) && watch.seenAt[agent.index] == 0) {
      watch.seenAt[agent.index] = at;
      if (watch.remaining.decrementAndGet() == 0) {
        watch.done.countDown();
      }
    }
  }

  /**
   * From now on, count the map answers (full or delta) and when each agent first got one: after an
   * operator failover, when its agents were back.
   */
  void mark() {
    fullMapsAfterMark.set(0);
    deltasAfterMark.set(0);
    for (SimAgent agent : agents) {
      agent.answeredAfterMark = 0;
    }
    markNanos = System.nanoTime();
  }

  /** Since the mark: full maps, deltas, agents answered, and the last first answer (ms). */
  record SinceMark(long fullMaps, long deltas, int agentsAnswered, long allAnsweredMs) {}

  SinceMark sinceMark() {
    int answered = 0;
    long last = 0;
    for (SimAgent agent : agents) {
      long at = agent.answeredAfterMark;
      if (at != 0) {
        answered++;
        last = Math.max(last, at - markNanos);
      }
    }
    return new SinceMark(
        fullMapsAfterMark.get(),
        deltasAfterMark.get(),
        answered,
        answered == agents.length ? last / 1_000_000 : -1);
  }

  @Override
  public void close() {
    closed = true;
    reporting.shutdownNow();
    vertx.close();
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

    /** Its connection to the agent API (opened by its first report). */
    volatile HttpClient http;

    private String version;
    private final BitSet known = new BitSet();
    private final Set<String> knownProbes = new HashSet<>();

    /** Peers whose endpoint this agent has told (a bit per peer, as {@link #known}). */
    private final BitSet told = new BitSet();

    private final Set<String> toldProbes = new HashSet<>();
    private int refreshFrom = -1;

    /** When this agent's first map answer after the {@link #mark} came (0: none yet). */
    private volatile long answeredAfterMark;

    /** The agent's own backoff for its map's polls. */
    private final Backoff pollBackoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30));

    private final List<String> endpoints;
    private final AgentFacts facts;

    SimAgent(int index) {
      this.index = index;
      this.name = AGENT_PREFIX + index;
      this.endpoints = List.of(endpointOf(index));
      this.facts = factsOf(name);
    }

    /**
     * The agent's status: a handshake with each peer of its map, made within the last two minutes
     * (WireGuard renews a session every 120 s), and byte counters that grow.
     */
    void report() {
      if (closed) {
        return;
      }
      if (credential == null) {
        reportAgain(this, Future.failedFuture("not joined"));
        return;
      }
      try {
        long now = System.currentTimeMillis() / 1000;
        ByteArrayOutputStream body =
            new ByteArrayOutputStream(64 + 140 * (NEWS_PER_REPORT + REFRESH_PER_REPORT));
        try (var json = JSON.getFactory().createGenerator(body)) {
          json.writeStartObject();
          json.writeStringField("peer", name);
          if (version != null) {
            json.writeStringField("mapVersion", version);
          }
          json.writeArrayFieldStart("endpoints");
          for (String endpoint : endpoints) {
            json.writeString(endpoint);
          }
          json.writeEndArray();
          json.writeObjectField("facts", facts);
          int configured;
          json.writeArrayFieldStart("handshakes");
          synchronized (this) {
            configured = known.cardinality() + knownProbes.size();
            // as the agent's TunnelDigest: NEWS_PER_REPORT working tunnels whose endpoint is news,
            // in an order of this agent's own (here: from a start of its own, around), then the
            // REFRESH_PER_REPORT told longest ago (round robin here); the rest are counted
            int news = 0;
            int start = known.isEmpty() ? 0 : Math.floorMod(index * 7919, known.length());
            boolean anyUntold = told.cardinality() < known.cardinality(); // told ⊆ known
            for (int peer = anyUntold ? nextUntold(start) : -1;
                peer >= 0 && news < NEWS_PER_REPORT;
                peer = nextUntold(peer + 1)) {
              handshake(json, publicKeys[peer], now, peer, endpointOf(peer));
              told.set(peer);
              news++;
            }
            for (int i = 0, peer = refreshFrom; i < REFRESH_PER_REPORT; i++) {
              peer = known.nextSetBit(peer + 1);
              if (peer < 0) {
                peer = known.nextSetBit(0);
                if (peer < 0) {
                  break;
                }
              }
              handshake(json, publicKeys[peer], now, peer, endpointOf(peer));
              refreshFrom = peer;
            }
            for (String probe : knownProbes) {
              if (toldProbes.add(probe)) {
                handshake(json, probeKeys.get(probe), now, probe.hashCode(), PROBE_ENDPOINT);
              }
            }
          }
          json.writeEndArray();
          json.writeObjectFieldStart("tunnels");
          json.writeNumberField("configured", configured);
          json.writeNumberField("recent", configured);
          json.writeNumberField("recentSeconds", 120);
          json.writeEndObject();
          json.writeEndObject();
        }
        reportsSent.incrementAndGet();
        sendReport(http, credential, body.toByteArray())
            .onComplete(
                answer -> {
                  counted(answer);
                  reportAgain(this, answer);
                });
      } catch (IOException | RuntimeException e) {
        reportsFailed.incrementAndGet();
        reportAgain(this, Future.failedFuture(e));
      }
    }

    private void handshake(JsonGenerator json, String key, long now, int seed, String endpoint)
        throws IOException {
      if (key == null) {
        return;
      }
      json.writeStartObject();
      json.writeStringField("publicKey", key);
      json.writeNumberField(
          "lastHandshakeEpochSeconds", now - Math.floorMod(seed * 31 + index, 120));
      json.writeNumberField("rxBytes", now * 7 + seed);
      json.writeNumberField("txBytes", now * 5 + seed);
      json.writeStringField("endpoint", endpoint);
      json.writeEndObject();
    }

    /** The next peer from {@code from} on (around to the start) known and not told; -1: none. */
    private int nextUntold(int from) {
      for (int peer = known.nextSetBit(from); peer >= 0; peer = known.nextSetBit(peer + 1)) {
        if (!told.get(peer)) {
          return peer;
        }
      }
      for (int peer = known.nextSetBit(0);
          peer >= 0 && peer < from;
          peer = known.nextSetBit(peer + 1)) {
        if (!told.get(peer)) {
          return peer;
        }
      }
      return -1;
    }

    synchronized int knownCount() {
      return known.cardinality();
    }

    synchronized void known(int peer, boolean present) {
      known.set(peer, present);
      if (!present) {
        told.clear(peer);
      }
    }

    synchronized void knownProbe(String probe) {
      knownProbes.add(probe);
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
      send(http, HttpMethod.GET, query, credential, null, 45_000)
          .onComplete(
              result -> {
                long at = System.nanoTime();
                if (result.failed() || !result.result().ok()) {
                  if (!closed) { // as the agent: exponential, with jitter
                    vertx.setTimer(Math.max(1, pollBackoff.next().toMillis()), t -> poll());
                  }
                  return;
                }
                Answer response = result.result();
                pollBackoff.reset();
                bytesReceived.addAndGet(wireSize(response));
                if (response.status() == 200) {
                  boolean full = apply(response.body().getBytes(), at);
                  if (at >= markNanos) {
                    (full ? fullMapsAfterMark : deltasAfterMark).incrementAndGet();
                    if (answeredAfterMark == 0) {
                      answeredAfterMark = at;
                    }
                  }
                }
                poll();
              });
    }

    /**
     * Reads the map as a stream of tokens: version, full, the peers' names and the removed names
     * are all a simulated agent keeps (a tree per full map of thousands of peers would make the
     * load generator, not the operator, the slow part).
     */
    private boolean apply(byte[] body, long at) {
      boolean full = false;
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
                full = true;
                synchronized (this) {
                  known.clear();
                  knownProbes.clear();
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
                } else {
                  synchronized (this) {
                    knownProbes.remove(gone);
                    toldProbes.remove(gone);
                  }
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
      return full;
    }
  }

  /**
   * Bytes of the answer as HTTP/1.1 would carry it before TLS: status line, headers and body (over
   * HTTP/2 the headers are compressed, so this is an upper bound that compares with earlier runs).
   */
  private static long wireSize(Answer response) {
    long size = "HTTP/1.1 200 OK\r\n\r\n".length() + response.body().length();
    for (var header : response.headers()) {
      size += header.getKey().length() + 2 + header.getValue().length() + 2;
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
