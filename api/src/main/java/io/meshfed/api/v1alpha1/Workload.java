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

/** Containers, or processes on hosts without a container runtime, placed on a cluster's peers. */
@Group(MeshfedApi.GROUP)
@Version(MeshfedApi.VERSION)
@ValidationRule(value = "has(self.spec)", message = "spec is required")
@ShortNames("wl")
@AdditionalSelectableField(jsonPath = ".spec.clusterRef.name")
@AdditionalPrinterColumn(name = "Cluster", jsonPath = ".spec.clusterRef.name", type = Type.STRING)
@AdditionalPrinterColumn(name = "Desired", jsonPath = ".spec.replicas", type = Type.INTEGER)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.readyReplicas", type = Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Up-to-date",
    jsonPath = ".status.updatedReplicas",
    type = Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Scheduled",
    jsonPath = ".status.conditions[?(@.type==\"Scheduled\")].status",
    type = Type.STRING)
@AdditionalPrinterColumn(
    name = "Reason",
    jsonPath = ".status.conditions[?(@.type==\"Scheduled\")].reason",
    type = Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(name = "Image", jsonPath = ".spec.image", type = Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class Workload extends CustomResource<WorkloadSpec, WorkloadStatus> implements Namespaced {}
