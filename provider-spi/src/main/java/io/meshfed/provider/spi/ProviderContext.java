package io.meshfed.provider.spi;

import java.util.Map;

/**
 * What a provider needs to reach the cloud account of one cluster.
 *
 * @param clusterId the MeshCluster's UID, tagged on every resource made for it
 * @param clusterName the MeshCluster's namespace/name, for names people read
 * @param settings provider settings of the cluster (region, project, subscriptionId, …)
 * @param credentials the data of the cluster's credentials Secret for this provider
 */
public record ProviderContext(
    String clusterId,
    String clusterName,
    Map<String, String> settings,
    Map<String, String> credentials) {

  public ProviderContext {
    settings = Map.copyOf(settings);
    credentials = Map.copyOf(credentials);
  }

  /**
   * The peer's own region, or the cluster's default for this provider; a permanent RegionRequired
   * naming both places when neither is set.
   */
  public String region(String requested, String provider) throws ProviderException {
    String region = requested != null ? requested : settings.get("region");
    if (region == null) {
      throw ProviderException.permanent(
          "RegionRequired",
          "set spec.region on the peer or spec.providers." + provider + ".region on the cluster",
          null);
    }
    return region;
  }

  @Override
  public String toString() {
    // never print credentials
    return "ProviderContext[cluster=" + clusterName + ", settings=" + settings + "]";
  }
}
