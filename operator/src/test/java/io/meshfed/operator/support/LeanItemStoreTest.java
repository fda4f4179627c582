package io.meshfed.operator.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.meshfed.api.v1alpha1.Peer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Caches of the same objects, as every controller's informers are: one instance per version. */
class LeanItemStoreTest {
  @Test
  void cachesThatReceiveTheSameVersionHoldOneInstance() {
    LeanItemStore<Peer> reconciler = new LeanItemStore<>();
    LeanItemStore<Peer> directory = new LeanItemStore<>();
    // each informer parses its own copy from its own watch
    reconciler.put("ns/a", copy(peer("uid-a", "7")));
    directory.put("ns/a", copy(peer("uid-a", "7")));
    assertThat(directory.get("ns/a")).isSameAs(reconciler.get("ns/a"));
    assertThat(reconciler.get("ns/a").getMetadata().getManagedFields()).isNull();

    // a newer version is a new object; the older one stays where it is until replaced
    directory.put("ns/a", copy(peer("uid-a", "8")));
    assertThat(directory.get("ns/a")).isNotSameAs(reconciler.get("ns/a"));
    assertThat(directory.get("ns/a").getMetadata().getResourceVersion()).isEqualTo("8");
    reconciler.put("ns/a", copy(peer("uid-a", "8")));
    assertThat(reconciler.get("ns/a")).isSameAs(directory.get("ns/a"));

    // the same name and version of another object (deleted and created again) is not shared
    reconciler.put("ns/b", copy(peer("uid-b1", "9")));
    directory.put("ns/b", copy(peer("uid-b2", "9")));
    assertThat(directory.get("ns/b")).isNotSameAs(reconciler.get("ns/b"));
  }

  @Test
  void anObjectWithoutUidOrVersionIsKeptAsItCame() {
    SharedObjects shared = new SharedObjects();
    Peer first = peer(null, "1");
    Peer second = copy(first);
    assertThat(shared.share(first)).isSameAs(first);
    assertThat(shared.share(second)).isSameAs(second);
    assertThat(shared.size()).isZero();
  }

  @Test
  void aVersionNoCacheHoldsAnyMoreIsForgotten() throws InterruptedException {
    SharedObjects shared = new SharedObjects();
    shared.share(copy(peer("uid-gone", "1"))); // held by nobody
    Peer kept = shared.share(copy(peer("uid-kept", "1")));
    for (int i = 0; i < 50 && shared.size() > 1; i++) {
      System.gc();
      Thread.sleep(20);
    }
    assertThat(shared.size()).as("only the version something still holds").isEqualTo(1);
    assertThat(shared.share(copy(kept))).isSameAs(kept);
  }

  private static Peer peer(String uid, String resourceVersion) {
    Peer peer = new Peer();
    peer.setMetadata(
        new ObjectMetaBuilder()
            .withNamespace("ns")
            .withName("a")
            .withUid(uid)
            .withResourceVersion(resourceVersion)
            .withManagedFields(List.of(new ManagedFieldsEntry()))
            .build());
    return peer;
  }

  private static Peer copy(Peer peer) {
    return Serialization.unmarshal(Serialization.asJson(peer), Peer.class);
  }
}
