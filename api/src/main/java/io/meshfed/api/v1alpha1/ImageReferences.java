package io.meshfed.api.v1alpha1;

import java.util.regex.Pattern;

/**
 * What a container image reference may be: {@code [registry[:port]/]path[:tag][@sha256:digest]},
 * the grammar of the distribution project's reference package, simplified where it is loose (a
 * registry may be any host name). Nothing a runtime could read as an option (a leading {@code -})
 * or as more than one argument (spaces) matches. The CRD and the agent check it both.
 */
public final class ImageReferences {
  private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
  private static final String REGISTRY =
      "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
          + "(?::[0-9]+)?/)";

  /** The reference's pattern, anchored. */
  public static final String PATTERN =
      "^"
          + REGISTRY
          + "?"
          + COMPONENT
          + "(?:/"
          + COMPONENT
          + ")*"
          + "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
          + "(?:@sha256:[a-f0-9]{64})?$";

  private static final Pattern COMPILED = Pattern.compile(PATTERN);

  /** The longest reference accepted (the distribution project's limit on names). */
  public static final int MAX_LENGTH = 255;

  private ImageReferences() {}

  public static boolean valid(String reference) {
    return reference != null
        && reference.length() <= MAX_LENGTH
        && COMPILED.matcher(reference).matches();
  }
}
