package io.meshfed.provider.spi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Files that hold secrets (keys, tokens): readable by their owner only from the first byte, and
 * replaced whole, so a reader never sees half of one. Where a command line would show a secret to
 * every process of the host, a secret file is handed over instead.
 */
public final class SecretFiles {
  private SecretFiles() {}

  /** Writes {@code content} to {@code file} (0600; its directory 0700 when it is made here). */
  public static Path write(Path file, String content) {
    Path parent = file.toAbsolutePath().getParent();
    try {
      Files.createDirectories(
          parent,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Path tmp =
          Files.createTempFile(
              parent,
              file.getFileName().toString(),
              ".tmp",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(tmp, content);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + file, e);
    }
  }
}
