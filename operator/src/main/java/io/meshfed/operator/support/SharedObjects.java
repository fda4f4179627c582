package io.meshfed.operator.support;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One instance per version of an object, however many informer caches hold it. Every controller has
 * its own informers, and each parses its own copy of every Peer from its own watch: at 10 000 peers
 * the heap held 5.7 Peers per peer (bench/RESULTS.md, run i). An object with the same kind, uid and
 * resourceVersion is the same object, so a cache that receives one already held elsewhere keeps
 * that one and its own copy is garbage at once. Held weakly: an object is forgotten once no cache
 * holds it.
 *
 * <p>Cached objects are read-only: a change of one is a change in every cache that shares it (it
 * was already a cache's corruption before).
 */
final class SharedObjects {
  private record Key(Class<?> kind, String uid, String resourceVersion) {}

  private static final class Entry extends WeakReference<HasMetadata> {
    final Key key;

    Entry(Key key, HasMetadata object, ReferenceQueue<HasMetadata> queue) {
      super(object, queue);
      this.key = key;
    }
  }

  private final Map<Key, Entry> entries = new ConcurrentHashMap<>();
  private final ReferenceQueue<HasMetadata> collected = new ReferenceQueue<>();

  /** The instance already held of this version of the object, or the object itself. */
  @SuppressWarnings("unchecked")
  <T extends HasMetadata> T share(T object) {
    forgetCollected();
    var metadata = object.getMetadata();
    if (metadata == null || metadata.getUid() == null || metadata.getResourceVersion() == null) {
      return object;
    }
    Key key = new Key(object.getClass(), metadata.getUid(), metadata.getResourceVersion());
    while (true) {
      Entry held = entries.get(key);
      HasMetadata shared = held == null ? null : held.get();
      if (shared != null) {
        return (T) shared;
      }
      Entry mine = new Entry(key, object, collected);
      if (held == null
          ? entries.putIfAbsent(key, mine) == null
          : entries.replace(key, held, mine)) {
        return object;
      }
    }
  }

  /** How many versions are held (for tests). */
  int size() {
    forgetCollected();
    return entries.size();
  }

  private void forgetCollected() {
    for (var gone = collected.poll(); gone != null; gone = collected.poll()) {
      Entry entry = (Entry) gone;
      entries.remove(entry.key, entry);
    }
  }
}
