package io.meshfed.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.agent.CoordinationClient;

/** What a test of the agent API asserts of a refusal: its status, its reason, a message. */
public final class Refusals {
  private Refusals() {}

  /** A call to the agent API, as an agent's client makes it. */
  public interface Call {
    void run() throws Exception;
  }

  /** The call is refused with this status and one of these reasons, and says why. */
  public static void assertRefused(Call call, int status, String... reasons) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            CoordinationClient.Refused.class,
            e -> {
              assertThat(e.status()).isEqualTo(status);
              assertThat(e.error().reason()).isIn((Object[]) reasons);
              assertThat(e.error().message()).isNotBlank();
            });
  }
}
