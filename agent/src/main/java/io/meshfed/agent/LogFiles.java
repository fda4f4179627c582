package io.meshfed.agent;

import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A replica's output as a stream, from the files that keep it (oldest first): all of it or its last
 * lines, then, when following, what is written to the last file from then on. A file that shrinks
 * was rotated (copied away and emptied): reading goes on from its start.
 */
final class LogFiles {
  /** The most a tail reads back to find its lines: a tail of few but huge lines stays bounded. */
  static final long TAIL_WINDOW = 4L * 1024 * 1024;

  private static final long FOLLOW_POLL_MILLIS = 200;

  private LogFiles() {}

  static InputStream open(List<Path> files, Integer tailLines, boolean follow) throws IOException {
    List<Path> present = files.stream().filter(Files::isRegularFile).toList();
    if (present.isEmpty()) {
      throw new IOException("no output file");
    }
    Path last = present.get(present.size() - 1);
    long lastSize = Files.size(last);
    byte[] kept = tailLines == null ? null : tail(present, lastSize, tailLines);
    InputStream start;
    if (kept != null) {
      start = new ByteArrayInputStream(kept);
    } else {
      List<InputStream> parts = new ArrayList<>();
      for (Path file : present.subList(0, present.size() - 1)) {
        parts.add(Files.newInputStream(file));
      }
      parts.add(new Bounded(last, lastSize));
      start = new SequenceInputStream(Collections.enumeration(parts));
    }
    return follow ? new SequenceInputStream(start, new Following(last, lastSize)) : start;
  }

  /** The last {@code lines} lines of the files (the last one read up to {@code lastSize}). */
  static byte[] tail(List<Path> files, long lastSize, int lines) throws IOException {
    if (lines == 0) {
      return new byte[0];
    }
    // newest bytes first, read backwards file by file until enough newlines (or the window)
    List<byte[]> blocks = new ArrayList<>();
    long budget = TAIL_WINDOW;
    int newlines = 0;
    int threshold = 0; // the newline before the first wanted line, counted from the end
    boolean first = true;
    outer:
    for (int f = files.size() - 1; f >= 0 && budget > 0; f--) {
      try (RandomAccessFile file = new RandomAccessFile(files.get(f).toFile(), "r")) {
        long end = f == files.size() - 1 ? Math.min(lastSize, file.length()) : file.length();
        while (end > 0 && budget > 0) {
          int size = (int) Math.min(Math.min(64 * 1024, end), budget);
          byte[] block = new byte[size];
          file.seek(end - size);
          file.readFully(block);
          if (first) {
            // a last line without its newline is a line too
            threshold = block[size - 1] == '\n' ? lines + 1 : lines;
            first = false;
          }
          for (int i = size - 1; i >= 0; i--) {
            if (block[i] == '\n' && ++newlines == threshold) {
              blocks.add(0, Arrays.copyOfRange(block, i + 1, size));
              break outer;
            }
          }
          blocks.add(0, block);
          end -= size;
          budget -= size;
        }
      }
    }
    int total = blocks.stream().mapToInt(b -> b.length).sum();
    byte[] out = new byte[total];
    int at = 0;
    for (byte[] block : blocks) {
      System.arraycopy(block, 0, out, at, block.length);
      at += block.length;
    }
    return out;
  }

  /** A stream that reads in blocks; a single byte is a block of one. */
  private abstract static class BlockReader extends InputStream {
    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }
  }

  /** A file up to the size it had when the stream opened. */
  private static final class Bounded extends BlockReader {
    private final RandomAccessFile file;
    private long left;

    Bounded(Path path, long size) throws IOException {
      this.file = new RandomAccessFile(path.toFile(), "r");
      this.left = size;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = file.read(buffer, offset, (int) Math.min(length, left));
      if (n < 0) {
        left = 0;
        return -1;
      }
      left -= n;
      return n;
    }

    @Override
    public void close() throws IOException {
      file.close();
    }
  }

  /** What is written to a file from {@code position} on; blocks until there is some, or closed. */
  private static final class Following extends BlockReader {
    private final Path path;
    private long position;
    private volatile boolean closed;

    Following(Path path, long position) {
      this.path = path;
      this.position = position;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      while (!closed) {
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "r")) {
          long size = file.length();
          if (size < position) {
            position = 0; // rotated: emptied after its copy
          }
          if (size > position) {
            file.seek(position);
            int n = file.read(buffer, offset, (int) Math.min(length, size - position));
            if (n > 0) {
              position += n;
              return n;
            }
          }
        } catch (FileNotFoundException gone) {
          return -1; // the replica's directory went with it
        }
        try {
          Thread.sleep(FOLLOW_POLL_MILLIS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return -1;
        }
      }
      return -1;
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
