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

/** A group of identical cloud peers with a fixed size or an autoscaling policy. */
@Group(MeshfedApi.GROUP)
@Version(MeshfedApi.VERSION)
@ValidationRule(value = "has(self.spec)", message = "spec is required")
@ShortNames("pp")
@AdditionalSelectableField(jsonPath = ".spec.clusterRef.name")
@AdditionalPrinterColumn(name = "Cluster", jsonPath = ".spec.clusterRef.name", type = Type.STRING)
@AdditionalPrinterColumn(name = "Provider", jsonPath = ".spec.provider", type = Type.STRING)
@AdditionalPrinterColumn(name = "Type", jsonPath = ".spec.instanceType", type = Type.STRING)
@AdditionalPrinterColumn(
    name = "Desired",
    jsonPath = ".status.desiredReplicas",
    type = Type.INTEGER)
@AdditionalPrinterColumn(name = "Current", jsonPath = ".status.replicas", type = Type.INTEGER)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.readyReplicas", type = Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Min",
    jsonPath = ".spec.autoscaling.minReplicas",
    type = Type.INTEGER,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Max",
    jsonPath = ".spec.autoscaling.maxReplicas",
    type = Type.INTEGER,
    priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class PeerPool extends CustomResource<PeerPoolSpec, PeerPoolStatus> implements Namespaced {}
