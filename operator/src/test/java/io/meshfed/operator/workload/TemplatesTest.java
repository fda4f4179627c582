package io.meshfed.operator.workload;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.meshfed.api.v1alpha1.ClusterReference;
import io.meshfed.api.v1alpha1.Placement;
import io.meshfed.api.v1alpha1.Probe;
import io.meshfed.api.v1alpha1.Workload;
import io.meshfed.api.v1alpha1.WorkloadSpec;
import io.meshfed.api.v1alpha1.WorkloadStrategy;
import io.meshfed.api.v1alpha1.WorkloadTemplate;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** What makes a new revision of a Workload's template, and what does not. */
class TemplatesTest {
  static Workload web() {
    Workload workload = new Workload();
    workload.getMetadata().setName("web");
    WorkloadSpec spec = new WorkloadSpec();
    spec.setClusterRef(new ClusterReference("prod"));
    spec.setReplicas(3);
    spec.setImage("registry.example/web:1");
    spec.setCommand(List.of("/bin/web"));
    workload.setSpec(spec);
    return workload;
  }

  static String revisionAfter(Consumer<WorkloadSpec> change) {
    Workload workload = web();
    change.accept(workload.getSpec());
    return Templates.revision(Templates.of(workload));
  }

  @Test
  void scalingPlacingAndTheStrategyAreNotANewRevision() {
    String before = revisionAfter(spec -> {});
    assertThat(revisionAfter(spec -> spec.setReplicas(7))).isEqualTo(before);
    assertThat(revisionAfter(spec -> spec.setPlacement(new Placement()))).isEqualTo(before);
    assertThat(
            revisionAfter(
                spec -> {
                  WorkloadStrategy strategy = new WorkloadStrategy();
                  strategy.setMaxSurge(new IntOrString(2));
                  spec.setStrategy(strategy);
                  spec.setProgressDeadlineSeconds(60);
                }))
        .isEqualTo(before);
    assertThat(Templates.of(web())).isExactlyInstanceOf(WorkloadTemplate.class);
  }

  @Test
  void everyFieldOfTheTemplateIsANewRevision() {
    String before = revisionAfter(spec -> {});
    List<Consumer<WorkloadSpec>> changes =
        List.of(
            spec -> spec.setImage("registry.example/web:2"),
            spec -> spec.setCommand(List.of("/bin/web", "--fast")),
            spec -> spec.setArgs(List.of("-v")),
            spec -> spec.setImagePullSecrets(List.of(new LocalObjectReference("login"))),
            spec -> spec.setReadinessProbe(Probe.httpGet("/", 80)),
            spec -> spec.setLivenessProbe(Probe.tcpSocket(80)));
    assertThat(changes.stream().map(TemplatesTest::revisionAfter))
        .doesNotContain(before)
        .doesNotHaveDuplicates()
        .allMatch(r -> r.matches("[0-9a-f]{10}"));
  }
}
