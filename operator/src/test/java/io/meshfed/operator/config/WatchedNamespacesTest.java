package io.meshfed.operator.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class WatchedNamespacesTest {
  @Test
  void oneNamedNamespaceIsWatchedAloneAnythingElseIsAll() {
    assertThat(WatchedNamespaces.only(List.of("team-a"))).contains("team-a");
    assertThat(WatchedNamespaces.only(List.of(" team-a "))).contains("team-a");
    assertThat(WatchedNamespaces.only(List.of("JOSDK_ALL_NAMESPACES"))).isEmpty();
    assertThat(WatchedNamespaces.only(List.of("QOSDK_USE_BUILDTIME_NAMESPACES")))
        .as("the Quarkus extension's default")
        .isEmpty();
    assertThat(WatchedNamespaces.only(List.of())).isEmpty();
    assertThat(WatchedNamespaces.only(List.of("a", "b")))
        .as("several: read as all, which a ClusterRole allows")
        .isEmpty();
  }
}
