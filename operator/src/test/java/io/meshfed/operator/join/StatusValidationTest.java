package io.meshfed.operator.join;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.api.agent.StatusReport;
import io.meshfed.api.agent.StatusReport.Tunnels;
import io.meshfed.operator.server.AgentApiException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A compact report's account of its tunnels is checked field by field. */
class StatusValidationTest {
  static final String KEY = "x".repeat(42) + "A=";

  static StatusReport with(Tunnels tunnels) {
    return new StatusReport("p", null, List.of(), null, List.of(), null, null, tunnels);
  }

  @Test
  void aCompactReportIsAcceptedAndEachWrongFieldIsNamed() {
    assertThatCode(() -> Validation.status(with(new Tunnels(3, 2, 120, 30L, List.of(KEY)))))
        .doesNotThrowAnyException();
    assertThatCode(() -> Validation.status(with(null))).doesNotThrowAnyException();
    assertRefused(new Tunnels(-1, 0, 120, null, null), "tunnels.configured");
    assertRefused(new Tunnels(null, 0, 120, null, null), "tunnels.configured");
    assertRefused(new Tunnels(1, 1, null, null, null), "tunnels.recentSeconds");
    assertRefused(new Tunnels(1, -1, 120, null, null), "tunnels.recent");
    assertRefused(new Tunnels(1, 1, 0, null, null), "tunnels.recentSeconds");
    assertRefused(new Tunnels(1, 1, 120, -5L, null), "tunnels.oldestAgeSeconds");
    assertRefused(
        new Tunnels(1, 1, 120, null, List.of(KEY, "not a key")), "tunnels.unconfigured[1]");
  }

  static void assertRefused(Tunnels tunnels, String field) {
    assertThatThrownBy(() -> Validation.status(with(tunnels)))
        .isInstanceOf(AgentApiException.class)
        .hasFieldOrPropertyWithValue("error.field", field);
  }
}
