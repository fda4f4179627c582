package io.meshfed.operator.netmap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.api.agent.NetMap;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Versions mean the same on every operator process (decision 0025): an agent whose map came from
 * one process (an operator before its restart, another replica) gets only what changed from another
 * that holds the same members — not the full map.
 */
class NetMapPublisherTest {
  private static final Duration NO_WAIT = Duration.ofMillis(200);

  private final Clock clock = Clock.systemUTC();

  private NetMapPublisher process() {
    return new NetMapPublisher(Duration.ofMillis(1), new SimpleMeterRegistry(), clock);
  }

  @Test
  void anAgentOfOneProcessGetsADeltaFromAnotherWithTheSameMembers() throws Exception {
    NetMapPublisher first = process();
    NetMapPublisher second = process();
    for (String name : List.of("a", "b", "c")) {
      first.peerChanged(
          "ns", "mesh", name, Optional.of(MapLogTest.peer(name, 1)), Optional.of(self(name)));
    }
    // the other process's watch lists them in another order
    for (String name : List.of("c", "a", "b")) {
      second.peerChanged(
          "ns", "mesh", name, Optional.of(MapLogTest.peer(name, 1)), Optional.of(self(name)));
    }
    published(first, 3);
    published(second, 3);
    String fromFirst = poll(first, "a", null).orElseThrow().version();

    NetMapPublisher.Reply answer = poll(second, "a", fromFirst).orElseThrow();
    assertThat(answer)
        .as("the same members: only its own configuration, and a version of this process")
        .isInstanceOf(NetMapPublisher.Delta.class);
    NetMap delta = ((NetMapPublisher.Delta) answer).map();
    assertThat(delta.peers()).isEmpty();
    assertThat(delta.self()).isEqualTo(self("a"));
    assertThat(delta.relays()).as("relays as this process has them: none").isEmpty();
    assertThat(answer.version()).isNotEqualTo(fromFirst);
    assertThat(poll(second, "a", answer.version())).as("then up to date").isEmpty();

    // a peer joins through the second process: the first one's agent gets just that
    second.peerChanged(
        "ns", "mesh", "d", Optional.of(MapLogTest.peer("d", 1)), Optional.of(self("d")));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> second.mapPeers("ns", "mesh").containsKey("key-d"));
    NetMap joined = ((NetMapPublisher.Delta) poll(second, "b", fromFirst).orElseThrow()).map();
    assertThat(joined.peers()).extracting(p -> p.name()).containsExactly("d");
    assertThat(joined.removed()).isNull();

    // what the report of an agent at the first's version holds, as the second sees it
    long heldUpTo = second.heldUpTo("ns", "mesh", fromFirst);
    var members = second.mapPeers("ns", "mesh");
    assertThat(
            members.values().stream()
                .filter(m -> m.version() <= heldUpTo)
                .map(m -> m.peer().name()))
        .containsExactlyInAnyOrder("a", "b", "c");
    assertThat(second.members("ns", "mesh").keyedAfter(heldUpTo))
        .as("what such an agent lacks")
        .extracting(m -> m.peer().name())
        .containsExactly("d");
  }

  @Test
  void aVersionWhoseMembersThisProcessNeverHadGetsTheFullMap() throws Exception {
    NetMapPublisher first = process();
    NetMapPublisher second = process();
    first.peerChanged(
        "ns", "mesh", "a", Optional.of(MapLogTest.peer("a", 1)), Optional.of(self("a")));
    first.peerChanged("ns", "mesh", "b", Optional.of(MapLogTest.peer("b", 1)), Optional.empty());
    second.peerChanged(
        "ns", "mesh", "a", Optional.of(MapLogTest.peer("a", 1)), Optional.of(self("a")));
    second.peerChanged("ns", "mesh", "b", Optional.of(MapLogTest.peer("b", 2)), Optional.empty());
    published(first, 2);
    published(second, 2);
    String fromFirst = poll(first, "a", null).orElseThrow().version();

    assertThat(poll(second, "a", fromFirst).orElseThrow()).isInstanceOf(NetMapPublisher.Full.class);
    assertThat(poll(second, "a", "not-a-version").orElseThrow())
        .isInstanceOf(NetMapPublisher.Full.class);
    assertThat(second.heldUpTo("ns", "mesh", fromFirst))
        .as("unknown here: counted as held, its next poll brings the full map")
        .isEqualTo(Long.MAX_VALUE);
    assertThat(second.members("ns", "mesh").keyedAfter(Long.MAX_VALUE)).isEmpty();
  }

  /**
   * Every version is an answer to each of a cluster's agents: past the answers per second the
   * window grows with them. Ten members at 20 answers a second: one version per 500 ms, not per the
   * 1 ms window — the first change at once, the next one at the window's end.
   */
  @Test
  void aLargerClusterGetsFewerVersionsASecond() throws Exception {
    NetMapPublisher process =
        new NetMapPublisher(Duration.ofMillis(1), 20, new SimpleMeterRegistry(), clock);
    for (int i = 0; i < 10; i++) {
      String name = "p" + i;
      process.peerChanged(
          "ns", "mesh", name, Optional.of(MapLogTest.peer(name, 1)), Optional.of(self(name)));
    }
    published(process, 10);
    String version = poll(process, "p0", null).orElseThrow().version();
    Thread.sleep(600); // the window since the last version has passed: the next change goes at once
    long start = System.nanoTime();
    process.peerChanged(
        "ns", "mesh", "p1", Optional.of(MapLogTest.peer("p1", 2)), Optional.empty());
    version = pollUntilNews(process, version);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(400));

    start = System.nanoTime();
    process.peerChanged(
        "ns", "mesh", "p2", Optional.of(MapLogTest.peer("p2", 2)), Optional.empty());
    pollUntilNews(process, version);
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .as("at the window's end")
        .isGreaterThanOrEqualTo(Duration.ofMillis(400));
  }

  /**
   * A quiet cluster publishes no version for hours while each agent's long poll times out and asks
   * again, twice a minute: a poll that ends keeps nothing of itself waiting for the next version.
   */
  @Test
  void pollsThatEndKeepNothingWaitingForTheNextVersion() throws Exception {
    NetMapPublisher process = process();
    for (String name : List.of("a", "b")) {
      process.peerChanged(
          "ns", "mesh", name, Optional.of(MapLogTest.peer(name, 1)), Optional.of(self(name)));
    }
    published(process, 2);
    String version = poll(process, "a", null).orElseThrow().version();
    List<CompletableFuture<Optional<NetMapPublisher.Reply>>> quiet = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      quiet.add(
          process.poll("ns", "mesh", "a", version, Duration.ofMillis(20)).toCompletableFuture());
    }
    for (var poll : quiet) {
      assertThat(poll.get(5, TimeUnit.SECONDS)).isEmpty();
    }
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(process.waitingPolls("ns", "mesh")).isZero());

    var waiting =
        process.poll("ns", "mesh", "a", version, Duration.ofSeconds(5)).toCompletableFuture();
    await().until(() -> process.waitingPolls("ns", "mesh") == 1);
    process.peerChanged("ns", "mesh", "b", Optional.of(MapLogTest.peer("b", 2)), Optional.empty());
    assertThat(waiting.get(5, TimeUnit.SECONDS)).as("woken by the version").isPresent();
    assertThat(process.waitingPolls("ns", "mesh")).isZero();
  }

  private static String pollUntilNews(NetMapPublisher process, String since) throws Exception {
    return process
        .poll("ns", "mesh", "p0", since, Duration.ofSeconds(5))
        .toCompletableFuture()
        .get(5, TimeUnit.SECONDS)
        .orElseThrow()
        .version();
  }

  /** Until the process published that many members (its flush runs on its own thread). */
  private static void published(NetMapPublisher process, int members) {
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> process.mapPeers("ns", "mesh").size() == members);
  }

  private static Optional<NetMapPublisher.Reply> poll(
      NetMapPublisher process, String peer, String since) throws Exception {
    return process
        .poll("ns", "mesh", peer, since, NO_WAIT)
        .toCompletableFuture()
        .get(5, TimeUnit.SECONDS);
  }

  private static io.meshfed.api.agent.SelfConfig self(String name) {
    return MapLogTest.self(name);
  }
}
