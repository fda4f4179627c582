package io.meshfed.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.PeerPool;
import io.meshfed.api.v1alpha1.PeerPoolSpec;
import io.meshfed.api.v1alpha1.ProviderType;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "grow",
    mixinStandardHelpOptions = true,
    description = {
      "Adds peers: resizes the cluster's pool of that provider, or makes one.",
      "The pool is named <cluster>-<provider>[-<region>][-<type>]; an autoscaled pool's minReplicas is raised."
    })
final class Grow implements Callable<Integer> {
  @ParentCommand KubectlMeshfed root;

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "CLUSTER", description = "The MeshCluster's name.")
  String cluster;

  @Option(
      names = "--provider",
      required = true,
      description = "aws, gcp, azure, digitalocean or local.")
  String provider;

  @Option(names = "--count", required = true, description = "How many peers to add.")
  int count;

  @Option(
      names = "--type",
      description = "Instance type (t3.large, e2-standard-2, Standard_B2s, s-2vcpu-4gb).")
  String type;

  @Option(names = "--region", description = "Region (default: the cluster's for that provider).")
  String region;

  @Override
  public Integer call() {
    if (count < 1) {
      throw new ParameterException(spec.commandLine(), "--count must be 1 or more");
    }
    ProviderType providerType;
    try {
      providerType = ProviderType.fromValue(provider.toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      providerType = ProviderType.STATIC;
    }
    if (providerType == ProviderType.STATIC) {
      throw new ParameterException(
          spec.commandLine(),
          "--provider must be one of aws, gcp, azure, digitalocean, local (static hosts join on their own:"
              + " kubectl meshfed join-command)");
    }
    ProviderType chosen = providerType;
    try (KubernetesClient client = root.client()) {
      String namespace = root.namespace(client);
      ClusterSnapshot.read(client, namespace, cluster); // it must exist
      String name = poolName(cluster, provider, region, type);
      var pools = client.resources(PeerPool.class).inNamespace(namespace);
      PeerPool pool = pools.withName(name).get();
      var out = spec.commandLine().getOut();
      if (pool == null) {
        PeerPool made = new PeerPool();
        made.getMetadata().setName(name);
        made.getMetadata().setNamespace(namespace);
        PeerPoolSpec spec = new PeerPoolSpec();
        spec.setClusterRef(new ClusterReference(cluster));
        spec.setProvider(chosen);
        spec.setInstanceType(type);
        spec.setRegion(region);
        spec.setReplicas(count);
        made.setSpec(spec);
        pools.resource(made).create();
        out.printf("peerpool/%s created with %d peers%n", name, count);
      } else if (pool.getSpec().getAutoscaling() != null) {
        int current =
            pool.getStatus() == null || pool.getStatus().getDesiredReplicas() == null
                ? 0
                : pool.getStatus().getDesiredReplicas();
        int min = current + count;
        int max = Math.max(pool.getSpec().getAutoscaling().getMaxReplicas(), min);
        pools
            .withName(name)
            .edit(
                p -> {
                  p.getSpec().getAutoscaling().setMinReplicas(min);
                  p.getSpec().getAutoscaling().setMaxReplicas(max);
                  return p;
                });
        out.printf("peerpool/%s is autoscaled: minReplicas %d (maxReplicas %d)%n", name, min, max);
      } else {
        int replicas =
            (pool.getSpec().getReplicas() == null ? 1 : pool.getSpec().getReplicas()) + count;
        pools
            .withName(name)
            .edit(
                p -> {
                  p.getSpec().setReplicas(replicas);
                  return p;
                });
        out.printf("peerpool/%s resized to %d peers%n", name, replicas);
      }
      out.flush();
      return 0;
    }
  }

  static String poolName(String cluster, String provider, String region, String type) {
    StringBuilder name = new StringBuilder(cluster).append('-').append(provider);
    if (region != null) {
      name.append('-').append(region);
    }
    if (type != null) {
      name.append('-').append(type);
    }
    return name.toString().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
  }
}
