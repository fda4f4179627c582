package io.meshfed.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One federated cluster: a mesh CIDR, a DNS domain, cloud credentials and join tokens. Its peers,
 * pools and workloads name it in {@code spec.clusterRef}.
 */
@Group(MeshfedApi.GROUP)
@Version(MeshfedApi.VERSION)
@ShortNames("mc")
@AdditionalPrinterColumn(name = "CIDR", jsonPath = ".spec.network.cidr", type = Type.STRING)
@AdditionalPrinterColumn(
    name = "Domain",
    jsonPath = ".spec.domain",
    type = Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(name = "Peers", jsonPath = ".status.peers.total", type = Type.INTEGER)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.peers.ready", type = Type.INTEGER)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = Type.STRING)
@AdditionalPrinterColumn(
    name = "Endpoint",
    jsonPath = ".status.endpoint",
    type = Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class MeshCluster extends CustomResource<MeshClusterSpec, MeshClusterStatus>
    implements Namespaced {
  // No initSpec(): a fresh object carries no spec, so the operator's own writes (the SDK's
  // finalizer apply, status patches) never claim a field under spec (GitOpsNoDriftTest).
}
