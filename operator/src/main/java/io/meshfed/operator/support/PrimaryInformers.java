package io.meshfed.operator.support;

/**
 * How the reconcilers' own informers are configured, in one place (decision 0024).
 *
 * <p>JOSDK 5.3.0 filters the watch events of a primary while the controller's own status write is
 * in flight, and then drops the newest event it held back when our write's resource version is
 * later: a deletion or a spec change by someone else that lands during our write is never
 * reconciled (a Peer deleted by its cluster while writing ClusterTerminating kept its finalizer for
 * good). Fixed upstream in 5.3.5 (java-operator-sdk#3414), which the Maven mirror here does not
 * serve. Until then the primaries do without that filter: our own writes wake one more reconcile
 * each, which finds nothing to change.
 */
public final class PrimaryInformers {
  /** {@code @Informer(comparableResourceVersions = ...)} of every reconciler. */
  public static final boolean FILTER_OWN_WRITES = false;

  private PrimaryInformers() {}
}
