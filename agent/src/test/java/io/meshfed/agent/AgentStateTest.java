package io.meshfed.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key rotation's state on disk: what a restart or a lost answer finds. */
class AgentStateTest {
  @TempDir Path dir;

  @Test
  void aRotationAskedOfTheOperatorIsRememberedUntilItIsTakenAndTheNextKeyBecomesTheKey()
      throws Exception {
    AgentState state = new AgentState(dir);
    Files.writeString(state.privateKey(), "old\n");
    String next = Files.readString(state.nextPrivateKey());
    String credential = state.nextCredential();
    state.beginRotation("r1");

    AgentState restarted = new AgentState(dir);
    assertThat(restarted.pendingRotation()).contains("r1");
    assertThat(Files.readString(restarted.nextPrivateKey()))
        .as("the same key again")
        .isEqualTo(next);
    assertThat(restarted.nextCredential()).as("the same credential again").isEqualTo(credential);

    restarted.finishRotation("r1");
    assertThat(restarted.pendingRotation()).isEmpty();
    assertThat(restarted.lastRotation()).contains("r1");
    assertThat(Files.readString(restarted.privateKey())).isEqualTo(next);
  }

  @Test
  void anAbandonedRotationKeepsTheKeyAndMakesAFreshOneNextTime() throws Exception {
    AgentState state = new AgentState(dir);
    Files.writeString(state.privateKey(), "old\n");
    String next = Files.readString(state.nextPrivateKey());
    String credential = state.nextCredential();
    state.beginRotation("r1");

    state.abandonRotation();
    assertThat(state.pendingRotation()).isEmpty();
    assertThat(state.lastRotation()).isEmpty();
    assertThat(Files.readString(state.privateKey())).isEqualTo("old\n");
    assertThat(Files.readString(state.nextPrivateKey())).isNotEqualTo(next);
    assertThat(state.nextCredential()).isNotEqualTo(credential);
  }
}
