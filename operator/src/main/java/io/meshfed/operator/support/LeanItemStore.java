package io.meshfed.operator.support;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * An informer cache that does not keep managedFields, and shares each version of an object with the
 * other lean caches ({@link SharedObjects}). Nothing in the operator reads managedFields, and
 * parsed into nested maps they are the largest part of a cached Peer: at thousands of peers, with a
 * Peer cache per controller, they — and then the copies themselves — decided whether the operator
 * fit its heap (bench/RESULTS.md, the netmap benchmark).
 */
public class LeanItemStore<T extends HasMetadata> extends BasicItemStore<T> {
  private static final SharedObjects SHARED = new SharedObjects();

  public LeanItemStore() {
    super(Cache::metaNamespaceKeyFunc);
  }

  @Override
  public T put(String key, T object) {
    if (object.getMetadata() != null) {
      object.getMetadata().setManagedFields(null);
    }
    return super.put(key, SHARED.share(object));
  }

  /** Gives the informer a lean store and starts it. */
  public static <T extends HasMetadata> SharedIndexInformer<T> start(
      SharedIndexInformer<T> informer) {
    informer.itemStore(new LeanItemStore<>());
    informer.start();
    return informer;
  }
}
