package io.meshfed.operator.netmap;

import io.meshfed.operator.netmap.MapLog.Member;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The published members of one map, indexed the ways a report's health reads them: by key, by name
 * (in order), by the version their key came with, by when they joined, and which keepalives they
 * use. Readable without the map's lock (every report reads it; copying N members per report under
 * the lock the map's readers wait on was O(N) per report); written by the log's flush alone. A
 * reader may see a flush half done: a member counted under its old entry or its new one.
 */
final class MemberIndex implements MapLog.Members {
  /** A member's place in an ordered index; the name makes it unique. */
  private record Place<T extends Comparable<T>>(T at, String name) implements Comparable<Place<T>> {
    @Override
    public int compareTo(Place<T> other) {
      int byAt = at.compareTo(other.at);
      return byAt != 0 ? byAt : name.compareTo(other.name);
    }
  }

  private final Map<String, Member> byKey = new ConcurrentHashMap<>();
  private final NavigableMap<String, Member> byName = new ConcurrentSkipListMap<>();
  private final NavigableMap<Place<Long>, Member> byKeyVersion = new ConcurrentSkipListMap<>();
  private final NavigableMap<Place<Instant>, Member> bySince = new ConcurrentSkipListMap<>();
  private final Map<Integer, Integer> keepaliveCounts = new HashMap<>();
  private volatile Set<Integer> keepalives = Set.of();

  /** {@code member} replaces {@code before} (null: it is new); the new entry is in first. */
  void put(Member before, Member member) {
    String name = member.peer().name();
    byKey.put(member.peer().publicKey(), member);
    byName.put(name, member);
    byKeyVersion.put(versionPlace(member), member);
    bySince.put(sincePlace(member), member);
    count(member, 1);
    if (before != null) {
      if (!before.peer().publicKey().equals(member.peer().publicKey())) {
        byKey.remove(before.peer().publicKey(), before);
      }
      if (before.version() != member.version()) {
        byKeyVersion.remove(versionPlace(before));
      }
      if (!before.since().equals(member.since())) {
        bySince.remove(sincePlace(before));
      }
      count(before, -1);
    }
  }

  void remove(Member member) {
    byKey.remove(member.peer().publicKey(), member);
    byName.remove(member.peer().name(), member);
    byKeyVersion.remove(versionPlace(member));
    bySince.remove(sincePlace(member));
    count(member, -1);
  }

  private void count(Member member, int delta) {
    int keepalive = keepaliveOf(member);
    int count = keepaliveCounts.getOrDefault(keepalive, 0) + delta;
    if (count == 0) {
      keepaliveCounts.remove(keepalive);
      keepalives = Set.copyOf(keepaliveCounts.keySet());
    } else {
      boolean added = keepaliveCounts.put(keepalive, count) == null;
      if (added) {
        keepalives = Set.copyOf(keepaliveCounts.keySet());
      }
    }
  }

  static int keepaliveOf(Member member) {
    Integer keepalive = member.peer().persistentKeepalive();
    return keepalive == null || keepalive < 0 ? 0 : keepalive;
  }

  private static Place<Long> versionPlace(Member member) {
    return new Place<>(member.version(), member.peer().name());
  }

  private static Place<Instant> sincePlace(Member member) {
    return new Place<>(member.since(), member.peer().name());
  }

  @Override
  public Map<String, Member> byKey() {
    return Collections.unmodifiableMap(byKey);
  }

  @Override
  public Member named(String name) {
    return byName.get(name);
  }

  @Override
  public Iterable<Member> inNameOrder() {
    return Collections.unmodifiableCollection(byName.values());
  }

  @Override
  public Collection<Member> keyedAfter(long version) {
    return version == Long.MAX_VALUE
        ? List.of()
        : Collections.unmodifiableCollection(
            byKeyVersion.tailMap(new Place<>(version + 1, ""), true).values());
  }

  @Override
  public Collection<Member> joinedAfter(Instant time) {
    return bySince.tailMap(new Place<>(time, ""), true).values().stream()
        .filter(m -> m.since().isAfter(time))
        .toList();
  }

  @Override
  public Set<Integer> keepalives() {
    return keepalives;
  }
}
