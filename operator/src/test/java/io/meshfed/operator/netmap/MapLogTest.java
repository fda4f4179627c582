package io.meshfed.operator.netmap;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.api.agent.AssignedReplica;
import io.meshfed.api.agent.DnsRecord;
import io.meshfed.api.agent.MapPeer;
import io.meshfed.api.agent.NetMap;
import io.meshfed.api.agent.SelfConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The map log: versions, deltas, full maps, and the property that a delta brings a map up to date.
 */
class MapLogTest {
  static final Instant T0 = Instant.parse("2026-12-04T12:00:00Z");

  @Test
  void anUnknownVersionGetsTheFullMapWithoutItsOwnEntry() {
    MapLog log = new MapLog();
    log.offerPeer("a", Optional.of(peer("a", 1)));
    log.offerPeer("b", Optional.of(peer("b", 1)));
    log.offerSelf("a", Optional.of(self("a")));
    assertThat(log.flush(T0, 0)).contains(1L);

    MapLog.Full full = (MapLog.Full) log.since("a", Optional.empty()).orElseThrow();
    assertThat(full.version()).isEqualTo(1);
    assertThat(full.self()).isEqualTo(self("a"));
    assertThat(log.members()).extracting(MapPeer::name).containsExactly("a", "b");
    assertThat(log.since("a", Optional.of(1L))).as("up to date").isEmpty();
  }

  @Test
  void aDeltaCarriesOnlyWhatChangedAndNeverThePeersOwnEntry() {
    MapLog log = new MapLog();
    log.offerPeer("a", Optional.of(peer("a", 1)));
    log.offerPeer("b", Optional.of(peer("b", 1)));
    log.flush(T0, 0);
    log.offerPeer("c", Optional.of(peer("c", 1)));
    log.offerPeer("a", Optional.of(peer("a", 2)));
    log.flush(T0.plusSeconds(1), 0);
    log.offerPeer("b", Optional.empty());
    log.flush(T0.plusSeconds(2), 0);

    NetMap forA = ((MapLog.Delta) log.since("a", Optional.of(1L)).orElseThrow()).map();
    assertThat(forA.peers()).extracting(MapPeer::name).containsExactly("c");
    assertThat(forA.removed()).containsExactly("b");
    assertThat(forA.self()).isNull();
    assertThat(forA.replicas()).isNull();
    assertThat(forA.dns()).isNull();

    NetMap forC = ((MapLog.Delta) log.since("c", Optional.of(2L)).orElseThrow()).map();
    assertThat(forC.peers()).isEmpty();
    assertThat(forC.removed()).containsExactly("b");
  }

  @Test
  void offersThatChangeNothingPublishNothing() {
    MapLog log = new MapLog();
    assertThat(log.offerPeer("a", Optional.of(peer("a", 1)))).isTrue();
    log.flush(T0, 0);
    assertThat(log.offerPeer("a", Optional.of(peer("a", 1)))).isFalse();
    assertThat(log.offerPeer("b", Optional.empty())).isFalse();
    assertThat(log.offerPeer("b", Optional.of(peer("b", 1)))).isTrue();
    assertThat(log.offerPeer("b", Optional.empty())).as("came and went before the flush").isTrue();
    assertThat(log.flush(T0, 0)).isEmpty();
    assertThat(log.version()).isEqualTo(1);
  }

  @Test
  void aVersionThatChangesOnlyThePeersOwnEntryIsNoNewsToIt() {
    MapLog log = new MapLog();
    log.offerPeer("a", Optional.of(peer("a", 1)));
    log.offerPeer("b", Optional.of(peer("b", 1)));
    log.flush(T0, 0);
    log.offerPeer("a", Optional.of(peer("a", 2)));
    log.flush(T0, 0);
    assertThat(MapLog.isNews(log.since("a", Optional.of(1L)).orElseThrow())).isFalse();
    assertThat(MapLog.isNews(log.since("b", Optional.of(1L)).orElseThrow())).isTrue();
  }

  @Test
  void replicasGoOnlyToTheirPeerAndNamesToEveryone() {
    MapLog log = new MapLog();
    log.offerPeer("a", Optional.of(peer("a", 1)));
    log.offerPeer("b", Optional.of(peer("b", 1)));
    log.flush(T0, 0);
    log.offerWorkload("web", Optional.of(workload("web", "a")));
    log.flush(T0, 0);
    NetMap forA = ((MapLog.Delta) log.since("a", Optional.of(1L)).orElseThrow()).map();
    NetMap forB = ((MapLog.Delta) log.since("b", Optional.of(1L)).orElseThrow()).map();
    assertThat(forA.replicas()).extracting(AssignedReplica::name).containsExactly("web-0");
    assertThat(forB.replicas()).as("nothing of b's changed").isNull();
    assertThat(forA.dns()).isEqualTo(forB.dns()).extracting(DnsRecord::name).containsExactly("web");
  }

  @Test
  void membersKeepTheTimeTheyJoined() {
    MapLog log = new MapLog();
    log.offerPeer("a", Optional.of(peer("a", 1)));
    log.offerPeer("b", Optional.of(peer("b", 1)));
    log.flush(T0, 0);
    log.offerPeer("b", Optional.of(peer("b", 2)));
    log.flush(T0.plusSeconds(30), 0);
    assertThat(log.byKey()).containsOnlyKeys("key-a", "key-b");
    assertThat(log.byKey().get("key-b").since()).isEqualTo(T0);
    // a peer that leaves leaves the index; one with a new key is found by it alone
    log.offerPeer("a", Optional.empty());
    log.flush(T0.plusSeconds(40), 0);
    assertThat(log.byKey()).containsOnlyKeys("key-b");
  }

  @Test
  void membersAreFoundByNameAndByTheVersionTheirKeyCameWith() {
    MapLog log = new MapLog();
    log.offerPeer("a", Optional.of(peer("a", 1)));
    log.offerPeer("b", Optional.of(peer("b", 1)));
    log.flush(T0, 0); // 1
    log.offerPeer("c", Optional.of(peer("c", 1)));
    log.flush(T0, 0); // 2
    log.offerPeer("b", Optional.of(peer("b", 2))); // new endpoint, same key
    log.flush(T0, 0); // 3
    MapPeer rotated = peer("a", 1);
    log.offerPeer(
        "a",
        Optional.of(
            new MapPeer(
                "a",
                "key-a-rotated",
                rotated.endpoints(),
                rotated.allowedIPs(),
                rotated.persistentKeepalive())));
    log.flush(T0, 0); // 4
    log.offerPeer("c", Optional.empty());
    log.flush(T0, 0); // 5
    MapLog.Members members = log.membersView();
    assertThat(members.keyedAfter(0)).extracting(m -> m.peer().name()).containsExactly("b", "a");
    assertThat(members.keyedAfter(1))
        .as("b's endpoint changed, its key did not: a map of version 1 has it")
        .extracting(m -> m.peer().name())
        .containsExactly("a");
    assertThat(members.keyedAfter(4)).isEmpty();
    assertThat(members.keyedAfter(Long.MIN_VALUE)).hasSize(2);
    assertThat(members.keyedAfter(Long.MAX_VALUE)).isEmpty();
    assertThat(members.named("a").peer().publicKey()).isEqualTo("key-a-rotated");
    assertThat(members.named("c")).as("left").isNull();
    assertThat(members.byKey()).containsOnlyKeys("key-a-rotated", "key-b");
  }

  /** The log's indexes say what a plain scan of its members says. */
  private static void assertIndexedAsTheMembersSay(MapLog log, List<String> names) {
    MapLog.Members indexed = log.membersView();
    List<MapLog.Member> all = List.copyOf(indexed.byKey().values());
    assertThat(all)
        .extracting(MapLog.Member::peer)
        .containsExactlyInAnyOrderElementsOf(log.members());
    for (long version = -1; version <= log.version() + 1; version++) {
      long after = version;
      assertThat(indexed.keyedAfter(version))
          .as("keyed after %d", version)
          .containsExactlyInAnyOrderElementsOf(
              all.stream().filter(m -> m.version() > after).toList());
    }
    for (String name : names) {
      assertThat(indexed.named(name))
          .as(name)
          .isEqualTo(
              all.stream().filter(m -> m.peer().name().equals(name)).findFirst().orElse(null));
    }
    for (int second = -1; second <= 100; second += 7) {
      Instant time = T0.plusSeconds(second);
      assertThat(indexed.joinedAfter(time))
          .as("joined after %d s", second)
          .containsExactlyInAnyOrderElementsOf(
              all.stream().filter(m -> m.since().isAfter(time)).toList());
    }
    assertThat(indexed.inNameOrder())
        .extracting(m -> m.peer().name())
        .isSorted()
        .containsExactlyInAnyOrderElementsOf(all.stream().map(m -> m.peer().name()).toList());
    assertThat(indexed.keepalives())
        .containsExactlyInAnyOrderElementsOf(
            all.stream()
                .map(
                    m ->
                        m.peer().persistentKeepalive() == null ? 0 : m.peer().persistentKeepalive())
                .distinct()
                .toList());
  }

  @Test
  void anAgentFurtherBehindThanTheHistoryGetsTheFullMap() {
    MapLog log = new MapLog(4);
    for (int i = 0; i < 10; i++) {
      log.offerPeer("p" + i, Optional.of(peer("p" + i, 1)));
      log.flush(T0, 0);
    }
    assertThat(log.since("p0", Optional.of(2L)).orElseThrow()).isInstanceOf(MapLog.Full.class);
    assertThat(log.since("p0", Optional.of(6L)).orElseThrow()).isInstanceOf(MapLog.Delta.class);
    assertThat(log.since("p0", Optional.of(99L)).orElseThrow())
        .as("a version from the future")
        .isInstanceOf(MapLog.Full.class);
  }

  /** For any sequence of changes: the map at v with since(v) applied is the map now. */
  @Test
  void applyingTheDeltaToTheOldMapGivesTheNewFullMap() {
    Random random = new Random(4);
    for (int trial = 0; trial < 300; trial++) {
      MapLog log = new MapLog(1 + random.nextInt(12));
      Map<Long, Map<String, View>> snapshots = new HashMap<>();
      List<String> names = List.of("p0", "p1", "p2", "p3", "p4", "p5");
      snapshots.put(0L, views(log, names));
      for (int step = 0; step < 40; step++) {
        String name = names.get(random.nextInt(names.size()));
        switch (random.nextInt(6)) {
          case 0 -> {
            log.offerPeer(name, Optional.empty()); // a peer leaves with its configuration
            log.offerSelf(name, Optional.empty());
          }
          case 1, 2 ->
              log.offerPeer(
                  name,
                  Optional.of(
                      withKeepalive(
                          peer(name, random.nextInt(3)),
                          random.nextBoolean() ? null : random.nextInt(3) * 10)));
          case 3 ->
              log.offerSelf(
                  name,
                  Optional.of(
                      new SelfConfig(
                          name,
                          "mesh",
                          "100.64.0." + random.nextInt(3),
                          "100.64.0.0/24",
                          "100.64.0.0/16",
                          51820,
                          null,
                          "mesh.local")));
          case 4 ->
              log.offerWorkload(
                  "w" + random.nextInt(3),
                  random.nextInt(4) == 0
                      ? Optional.empty()
                      : Optional.of(
                          workload(
                              "w" + random.nextInt(3), names.get(random.nextInt(names.size())))));
          default -> {
            Optional<Long> version = log.flush(T0.plusSeconds(step), step);
            version.ifPresent(v -> snapshots.put(v, views(log, names)));
            assertIndexedAsTheMembersSay(log, names);
          }
        }
      }
      log.flush(T0.plusSeconds(99), 99).ifPresent(v -> snapshots.put(v, views(log, names)));
      Map<String, View> now = snapshots.get(log.version());
      for (var snapshot : snapshots.entrySet()) {
        for (String observer : names) {
          View then = snapshot.getValue().get(observer);
          View expected = now.get(observer);
          if (expected.self() == null && then.self() != null) {
            // its configuration goes only when its Peer is deleted: a deleted peer polls no more,
            // and a delta (null = unchanged) cannot say "gone"
            continue;
          }
          Optional<MapLog.View> answer = log.since(observer, Optional.of(snapshot.getKey()));
          View applied = answer.map(a -> then.apply(a, log, observer)).orElse(then);
          assertThat(applied)
              .as(
                  "trial %d: %s from version %d to %d",
                  trial, observer, snapshot.getKey(), log.version())
              .isEqualTo(expected);
        }
      }
    }
  }

  /**
   * Another process (a restarted operator, another replica) learns the same members and workloads
   * from its own watch: in any order, flushed at other moments, with its own version numbers. It
   * reaches the same digest, finds where an agent of the first process stands, and its answer
   * brings that agent's map to its own full map — its own configuration included.
   */
  @Test
  void anotherProcessWithTheSameMembersAnswersTheFirstOnesAgentsWithADelta() {
    Random random = new Random(11);
    List<String> names = List.of("p0", "p1", "p2", "p3", "p4", "p5");
    for (int trial = 0; trial < 300; trial++) {
      MapLog first = new MapLog();
      Map<String, Optional<MapPeer>> lastPeers = new TreeMap<>();
      Map<String, Optional<MapLog.WorkloadMap>> lastWorkloads = new TreeMap<>();
      for (int step = 0; step < 30; step++) {
        String name = names.get(random.nextInt(names.size()));
        switch (random.nextInt(5)) {
          case 0 -> {
            first.offerPeer(name, Optional.empty());
            lastPeers.put(name, Optional.empty());
          }
          case 1, 2 -> {
            Optional<MapPeer> entry = Optional.of(peer(name, random.nextInt(3)));
            first.offerPeer(name, entry);
            first.offerSelf(name, Optional.of(self(name)));
            lastPeers.put(name, entry);
          }
          case 3 -> {
            String workload = "w" + random.nextInt(3);
            Optional<MapLog.WorkloadMap> entry =
                random.nextInt(4) == 0
                    ? Optional.empty()
                    : Optional.of(workload(workload, names.get(random.nextInt(names.size()))));
            first.offerWorkload(workload, entry);
            lastWorkloads.put(workload, entry);
          }
          default -> first.flush(T0.plusSeconds(step), step);
        }
      }
      first.flush(T0.plusSeconds(99), 99);
      Map<String, View> agents = views(first, names);

      // the second process lists the same objects in another order, with its own flushes; its
      // agents' configuration is its own (here: another domain)
      MapLog second = new MapLog();
      List<Runnable> offers = new ArrayList<>();
      lastPeers.forEach(
          (name, entry) ->
              offers.add(
                  () -> {
                    second.offerPeer(name, entry);
                    second.offerSelf(name, entry.map(e -> selfElsewhere(name)));
                  }));
      lastWorkloads.forEach((name, entry) -> offers.add(() -> second.offerWorkload(name, entry)));
      Collections.shuffle(offers, random);
      for (Runnable offer : offers) {
        offer.run();
        if (random.nextInt(3) == 0) {
          second.flush(T0, 0);
        }
      }
      second.flush(T0, 0);

      assertThat(second.digest())
          .as("trial %d: the same members and workloads", trial)
          .isEqualTo(first.digest());
      Optional<Long> standsAt = second.versionWithDigest(first.digest());
      assertThat(standsAt).as("trial %d", trial).isPresent();
      for (String observer : names) {
        View expected = View.full(second, observer);
        if (expected.self() == null) {
          continue; // not on the second's map: it has nothing to tell this peer
        }
        MapLog.View answer = second.since(observer, standsAt, true).orElseThrow();
        assertThat(answer).as("trial %d: %s", trial, observer).isInstanceOf(MapLog.Delta.class);
        assertThat(agents.get(observer).apply(answer, second, observer))
            .as("trial %d: %s", trial, observer)
            .isEqualTo(expected);
      }
    }
  }

  @Test
  void aDigestThisLogNeverHadStandsNowhere() {
    MapLog log = new MapLog();
    log.offerPeer("a", Optional.of(peer("a", 1)));
    log.flush(T0, 0);
    MapLog other = new MapLog();
    other.offerPeer("a", Optional.of(peer("a", 2)));
    other.flush(T0, 0);

    assertThat(log.versionWithDigest(other.digest())).isEmpty();
    assertThat(log.versionWithDigest(log.digest())).contains(1L);
    assertThat(new MapLog().digest()).as("an empty map").isZero();
  }

  /** What an agent holds: the others' entries, its own configuration, its replicas, the names. */
  record View(
      Map<String, MapPeer> peers,
      SelfConfig self,
      List<AssignedReplica> replicas,
      List<DnsRecord> dns) {
    View apply(MapLog.View answer, MapLog log, String observer) {
      if (answer instanceof MapLog.Full) {
        return full(log, observer);
      }
      NetMap delta = ((MapLog.Delta) answer).map();
      Map<String, MapPeer> next = new TreeMap<>(peers);
      delta.peers().forEach(p -> next.put(p.name(), p));
      if (delta.removed() != null) {
        delta.removed().forEach(next::remove);
      }
      return new View(
          next,
          delta.self() != null ? delta.self() : self,
          delta.replicas() != null ? delta.replicas() : replicas,
          delta.dns() != null ? delta.dns() : dns);
    }

    static View full(MapLog log, String observer) {
      MapLog.Full full = (MapLog.Full) log.since(observer, Optional.empty()).orElseThrow();
      Map<String, MapPeer> peers = new TreeMap<>();
      log.members().stream()
          .filter(p -> !p.name().equals(observer))
          .forEach(p -> peers.put(p.name(), p));
      return new View(peers, full.self(), full.replicas(), full.dns());
    }
  }

  private static Map<String, View> views(MapLog log, List<String> names) {
    Map<String, View> views = new LinkedHashMap<>();
    names.forEach(n -> views.put(n, View.full(log, n)));
    return views;
  }

  static MapPeer withKeepalive(MapPeer peer, Integer keepalive) {
    return new MapPeer(
        peer.name(), peer.publicKey(), peer.endpoints(), peer.allowedIPs(), keepalive);
  }

  static MapPeer peer(String name, int variant) {
    return new MapPeer(
        name,
        "key-" + name,
        List.of("198.18.0." + (10 + variant) + ":51820"),
        List.of("100.64." + name.hashCode() % 200 + ".0/24"),
        null);
  }

  static SelfConfig self(String name) {
    return new SelfConfig(
        name, "mesh", "100.64.1.1", "100.64.1.0/24", "100.64.0.0/16", 51820, null, "mesh.local");
  }

  static SelfConfig selfElsewhere(String name) {
    return new SelfConfig(
        name, "mesh", "100.64.1.1", "100.64.1.0/24", "100.64.0.0/16", 51820, null, "other.local");
  }

  static MapLog.WorkloadMap workload(String name, String peer) {
    List<AssignedReplica> replicas = new ArrayList<>();
    replicas.add(
        new AssignedReplica(
            name + "-0", name, null, List.of("sleep", "1"), List.of(), Map.of(), List.of()));
    return new MapLog.WorkloadMap(
        Map.of(peer, replicas), List.of(new DnsRecord(name, List.of("100.64.1.1"))));
  }
}
