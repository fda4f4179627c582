package io.meshfed.agent;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.api.agent.BootstrapSecrets;
import io.meshfed.api.agent.NetMap;
import io.meshfed.api.agent.SelfConfig;
import io.meshfed.provider.spi.SecretFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

/**
 * Everything the agent must keep across restarts, in one directory, each file 0600: the WireGuard
 * private key (made here, never sent), the server it joined and its credential, and the last map.
 */
public final class AgentState {
  static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /**
   * Who this agent is, once joined.
   *
   * @param caHash the CA pinned at the join
   * @param caHashes the CAs the operator said to trust since (its trust bundle); null until it
   *     said, and in state files from before CA rotation
   */
  public record Membership(
      String server,
      String caHash,
      String namespace,
      String peer,
      String credential,
      SelfConfig self,
      List<String> caHashes) {

    public Membership(
        String server,
        String caHash,
        String namespace,
        String peer,
        String credential,
        SelfConfig self) {
      this(server, caHash, namespace, peer, credential, self, null);
    }

    /** The CAs this agent trusts now. */
    public List<String> pins() {
      return caHashes == null || caHashes.isEmpty() ? List.of(caHash) : caHashes;
    }

    public Membership withSelf(SelfConfig self) {
      return new Membership(server, caHash, namespace, peer, credential, self, caHashes);
    }

    public Membership withCredential(String credential) {
      return new Membership(server, caHash, namespace, peer, credential, self, caHashes);
    }

    public Membership withPins(List<String> pins) {
      return new Membership(server, caHash, namespace, peer, credential, self, List.copyOf(pins));
    }
  }

  private final Path dir;

  public AgentState(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  public Path privateKey() {
    return dir.resolve("private.key");
  }

  /**
   * The key a rotation under way will switch to: made once and kept until the switch, so a retry
   * (or a restart after the operator took it) proves the same key again.
   */
  public Path nextPrivateKey() {
    Path next = dir.resolve("private.key.next");
    if (!Files.exists(next)) {
      writeSecret("private.key.next", WireGuard.generatePrivateKey() + "\n");
    }
    return next;
  }

  /** The secret of the credential a rotation under way will switch to: made once, like the key. */
  public String nextCredential() {
    Path next = dir.resolve("credential.next");
    try {
      if (!Files.exists(next)) {
        writeSecret("credential.next", BootstrapSecrets.randomToken() + "\n");
      }
      return Files.readString(next).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A rotation is being asked of the operator: written before the call, so an answer lost on the
   * way (a timeout, a crash) is asked for again rather than forgotten once the map stops asking.
   */
  public void beginRotation(String request) {
    writeSecret("key-rotation.pending", request + "\n");
  }

  /** The rotation asked of the operator and not yet finished, if any. */
  public Optional<String> pendingRotation() {
    return readLine("key-rotation.pending");
  }

  /** The operator will not take the next key: it is dropped and the current key stays. */
  public void abandonRotation() {
    try {
      Files.deleteIfExists(dir.resolve("key-rotation.pending"));
      Files.deleteIfExists(dir.resolve("credential.next"));
      Files.deleteIfExists(dir.resolve("private.key.next"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The rotation is taken: the next key becomes the key, in one rename, and the request is done.
   */
  public void finishRotation(String request) {
    try {
      Files.deleteIfExists(dir.resolve("credential.next"));
      Files.move(
          dir.resolve("private.key.next"),
          privateKey(),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    writeSecret("key-rotation", request + "\n");
    try {
      Files.deleteIfExists(dir.resolve("key-rotation.pending"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The key rotation request last answered, if any. */
  public Optional<String> lastRotation() {
    return readLine("key-rotation");
  }

  private Optional<String> readLine(String name) {
    try {
      Path file = dir.resolve(name);
      return Files.exists(file) ? Optional.of(Files.readString(file).strip()) : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Generates the key on first start; later starts find it. */
  public Path ensurePrivateKey() {
    if (!Files.exists(privateKey())) {
      writeSecret("private.key", WireGuard.generatePrivateKey() + "\n");
    }
    return privateKey();
  }

  /** What made the WireGuard interface, remembered for a restart that finds it. */
  public Optional<WireGuardImplementation> wireGuardImplementation() {
    return read("wireguard.json", WireGuardImplementation.class);
  }

  public void saveWireGuardImplementation(WireGuardImplementation implementation) {
    write("wireguard.json", implementation);
  }

  public Optional<Membership> membership() {
    return read("membership.json", Membership.class);
  }

  public void saveMembership(Membership membership) {
    write("membership.json", membership);
  }

  public Optional<NetMap> lastMap() {
    return read("netmap.json", NetMap.class);
  }

  public void saveMap(NetMap map) {
    write("netmap.json", map);
  }

  private <T> Optional<T> read(String file, Class<T> type) {
    Path path = dir.resolve(file);
    if (!Files.exists(path)) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(path.toFile(), type));
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + path, e);
    }
  }

  private void write(String file, Object value) {
    try {
      writeSecret(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void writeSecret(String file, String content) {
    writeSecret(dir.resolve(file), content);
  }

  /** Written 0600 from the start and renamed into place, so a crash never leaves half a file. */
  static void writeSecret(Path file, String content) {
    SecretFiles.write(file, content);
  }
}
