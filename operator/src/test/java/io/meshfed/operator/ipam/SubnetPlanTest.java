package io.meshfed.operator.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SubnetPlanTest {
  @Test
  void cutsTheClusterCidrIntoPeerSubnets() {
    SubnetPlan plan = SubnetPlan.of("100.64.0.0/16", 24);
    assertThat(plan.size()).isEqualTo(256);
    assertThat(plan.subnet(0)).isEqualTo("100.64.0.0/24");
    assertThat(plan.meshAddress(0)).isEqualTo("100.64.0.1");
    assertThat(plan.subnet(255)).isEqualTo("100.64.255.0/24");
    assertThat(plan.meshAddress(3)).isEqualTo("100.64.3.1");
  }

  @Test
  void smallSubnetsCrossOctetBoundaries() {
    SubnetPlan plan = SubnetPlan.of("100.127.255.0/24", 30);
    assertThat(plan.size()).isEqualTo(64);
    assertThat(plan.subnet(1)).isEqualTo("100.127.255.4/30");
    assertThat(plan.meshAddress(63)).isEqualTo("100.127.255.253");
    SubnetPlan wide = SubnetPlan.of("100.64.0.0/10", 26);
    assertThat(wide.size()).isEqualTo(1L << 16);
    assertThat(wide.subnet(4)).isEqualTo("100.64.1.0/26");
    assertThat(wide.subnet(wide.size() - 1)).isEqualTo("100.127.255.192/26");
  }

  @Test
  void indexOfIsTheInverseOfSubnet() {
    SubnetPlan plan = SubnetPlan.of("100.64.0.0/20", 28);
    Set<String> seen = new HashSet<>();
    for (long i = 0; i < plan.size(); i++) {
      String subnet = plan.subnet(i);
      assertThat(seen.add(subnet)).isTrue();
      assertThat(plan.indexOf(subnet)).isEqualTo(i);
    }
    assertThat(plan.indexOf("100.64.16.0/28")).isEqualTo(-1); // outside
    assertThat(plan.indexOf("100.64.0.8/28")).isEqualTo(-1); // not on a boundary
    assertThat(plan.indexOf("100.64.0.0/24")).isEqualTo(-1); // other size
  }

  @Test
  void rejectsPlansThatCannotWork() {
    assertThatThrownBy(() -> SubnetPlan.of("100.64.0.0/24", 24))
        .hasMessageContaining("must be longer");
    assertThatThrownBy(() -> SubnetPlan.of("100.64.0.1/24", 28)).hasMessageContaining("host bits");
    assertThatThrownBy(() -> SubnetPlan.of("100.64.0.0", 28)).hasMessageContaining("not a CIDR");
    assertThatThrownBy(() -> SubnetPlan.of("100.64.0.256/24", 28))
        .hasMessageContaining("not an IPv4 address");
    assertThatThrownBy(() -> SubnetPlan.of("100.64.0.0/24", 28).subnet(16))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }
}
