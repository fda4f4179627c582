package io.meshfed.operator.support;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.meshfed.api.v1alpha1.MeshCluster;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The MeshCluster as a reconciler's secondary resource: its creation, spec and deletion wake the
 * objects that name it.
 */
public final class ClusterEvents {
  private ClusterEvents() {}

  /**
   * An event source of MeshClusters for primaries of type {@code P}, each naming its cluster by
   * {@code clusterOf} (empty or null: none). A cluster's status changes with every peer, so only
   * its spec (generation) and its deletion wake anyone.
   */
  public static <P extends HasMetadata> InformerEventSource<MeshCluster, P> source(
      Class<P> primary, EventSourceContext<P> context, Function<P, String> clusterOf) {
    var primaries = context.getPrimaryCache();
    var configuration =
        InformerEventSourceConfiguration.from(MeshCluster.class, primary)
            .withItemStore(new LeanItemStore<MeshCluster>())
            .withSecondaryToPrimaryMapper(
                (MeshCluster cluster) ->
                    primaries
                        .list(
                            cluster.getMetadata().getNamespace(),
                            p -> cluster.getMetadata().getName().equals(clusterOf.apply(p)))
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
            .withPrimaryToSecondaryMapper(
                (P p) ->
                    clusterOf.apply(p) == null || clusterOf.apply(p).isEmpty()
                        ? Set.<ResourceID>of()
                        : Set.of(
                            new ResourceID(clusterOf.apply(p), p.getMetadata().getNamespace())))
            .withOnUpdateFilter(
                (MeshCluster next, MeshCluster previous) ->
                    !Objects.equals(
                            next.getMetadata().getGeneration(),
                            previous.getMetadata().getGeneration())
                        || next.isMarkedForDeletion() != previous.isMarkedForDeletion())
            .build();
    return new InformerEventSource<>(configuration, context);
  }
}
