package io.meshfed.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.crd.generator.annotation.AdditionalSelectableField;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** One machine of a mesh cluster: a cloud VM, a host the user brings, or a local dev machine. */
@Group(MeshfedApi.GROUP)
@Version(MeshfedApi.VERSION)
@ValidationRule(value = "has(self.spec)", message = "spec is required")
@ShortNames("pr")
@AdditionalSelectableField(jsonPath = ".spec.clusterRef.name")
@AdditionalSelectableField(jsonPath = ".spec.provider")
@AdditionalPrinterColumn(name = "Cluster", jsonPath = ".spec.clusterRef.name", type = Type.STRING)
@AdditionalPrinterColumn(name = "Provider", jsonPath = ".spec.provider", type = Type.STRING)
@AdditionalPrinterColumn(name = "State", jsonPath = ".status.phase", type = Type.STRING)
@AdditionalPrinterColumn(
    name = "Address",
    jsonPath = ".status.addresses.public",
    type = Type.STRING)
@AdditionalPrinterColumn(
    name = "Mesh-Address",
    jsonPath = ".status.meshAddress",
    type = Type.STRING)
@AdditionalPrinterColumn(name = "Health", jsonPath = ".status.health", type = Type.STRING)
@AdditionalPrinterColumn(name = "Roles", jsonPath = ".spec.roles", type = Type.STRING)
@AdditionalPrinterColumn(name = "Version", jsonPath = ".status.agent.version", type = Type.STRING)
@AdditionalPrinterColumn(
    name = "Since",
    jsonPath = ".status.lastPhaseTransitionTime",
    type = Type.DATE)
@AdditionalPrinterColumn(
    name = "Subnet",
    jsonPath = ".status.subnet",
    type = Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Provider-ID",
    jsonPath = ".status.providerID",
    type = Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class Peer extends CustomResource<PeerSpec, PeerStatus> implements Namespaced {}
