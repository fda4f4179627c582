package io.meshfed.operator.workload;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.meshfed.api.v1alpha1.MeshCluster;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.operator.config.AgentApiRouting;
import io.meshfed.operator.config.WatchedNamespaces;
import io.meshfed.operator.directory.AgentDirectory;
import io.meshfed.operator.netmap.NetMapPublisher;
import io.meshfed.operator.support.LeanItemStore;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;
import java.util.Optional;

/**
 * A standby's maps carry the workloads too (every replica serving agents, decision 0026): the
 * leader's Workload reconciler places the replicas and writes them into status; a standby builds
 * each workload's part of the map from that status, as the leader built it ({@link
 * TemplateResolver#mapOf}), so agents polling here run what the leader decided and their map
 * versions mean the same on both (decision 0025). On the leader the reconciler publishes.
 */
@Singleton
public class WorkloadMapFeed {
  private final KubernetesClient client;
  private final WatchedNamespaces namespaces;
  private final AgentApiRouting routing;
  private final AgentDirectory directory;
  private final TemplateResolver templates;
  private final NetMapPublisher hub;
  private SharedIndexInformer<Workload> workloads;

  public WorkloadMapFeed(
      KubernetesClient client,
      WatchedNamespaces namespaces,
      AgentApiRouting routing,
      AgentDirectory directory,
      TemplateResolver templates,
      NetMapPublisher hub) {
    this.client = client;
    this.namespaces = namespaces;
    this.routing = routing;
    this.directory = directory;
    this.templates = templates;
    this.hub = hub;
  }

  /** After the directory's informers exist (the domain comes from the cluster). */
  void start(@Observes @Priority(Interceptor.Priority.APPLICATION + 1000) StartupEvent start) {
    if (!routing.everyReplicaServes()) {
      return; // only the leader serves agents, and its reconciler publishes
    }
    workloads =
        LeanItemStore.start(namespaces.of(client.resources(Workload.class)).runnableInformer(0));
    workloads.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(Workload workload) {
            changed(workload);
          }

          @Override
          public void onUpdate(Workload before, Workload after) {
            changed(after);
          }

          @Override
          public void onDelete(Workload workload, boolean unknownFinalState) {
            if (!routing.holdsReports()) {
              hub.workloadChanged(
                  workload.getMetadata().getNamespace(),
                  WorkloadReconciler.clusterName(workload),
                  workload.getMetadata().getName(),
                  Optional.empty());
            }
          }
        });
    directory.onClusters(this::clusterChanged, cluster -> {});
  }

  void stop(@Observes ShutdownEvent stop) {
    if (workloads != null) {
      workloads.close();
    }
  }

  /** The domain may have changed: the cluster's workloads' names with it. */
  private void clusterChanged(MeshCluster cluster) {
    if (workloads == null) {
      return;
    }
    workloads.getStore().list().stream()
        .filter(w -> w.getMetadata().getNamespace().equals(cluster.getMetadata().getNamespace()))
        .filter(w -> cluster.getMetadata().getName().equals(WorkloadReconciler.clusterName(w)))
        .forEach(this::changed);
  }

  private void changed(Workload workload) {
    if (routing.holdsReports()
        || workload.getStatus() == null
        || WorkloadReconciler.clusterName(workload).isEmpty()) {
      return;
    }
    String namespace = workload.getMetadata().getNamespace();
    directory
        .cluster(namespace, WorkloadReconciler.clusterName(workload))
        .ifPresent(
            cluster ->
                hub.workloadChanged(
                    namespace,
                    WorkloadReconciler.clusterName(workload),
                    workload.getMetadata().getName(),
                    Optional.of(
                        templates.mapOf(
                            workload,
                            workload.getStatus(),
                            cluster.getSpec().getDomain(),
                            templates.resolve(namespace, Templates.of(workload))))));
  }
}
