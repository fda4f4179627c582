/**
 * The join protocol: how a machine goes from nothing to a peer credential, and how that credential
 * is checked and revoked. Everything of it lives here; the token formats and the bootstrap Secret's
 * layout, shared with the agent and the kubectl plugin, are in the api module ({@code
 * io.meshfed.api.agent.Tokens}, {@code BootstrapSecrets}).
 *
 * <h2>Tokens</h2>
 *
 * <ul>
 *   <li>{@code mfj:<namespace>:<cluster>:<secret>} — the <b>cluster join token</b> ({@link
 *       JoinTokens}): random, in Secret {@code <cluster>-meshfed-join-token} owned by the
 *       MeshCluster, rotated when it expires (the previous one is kept only to answer "expired",
 *       not "wrong"). A host the user brings joins with it.
 *   <li>{@code mfb:<namespace>:<peer>:<secret>} — a <b>bootstrap token</b> ({@link
 *       AgentBootstraps}): one per machine the operator makes, or per host {@code kubectl meshfed
 *       join-command} invites; in Secret {@code <peer>-meshfed-bootstrap} owned by that Peer, valid
 *       until its expiry, usable by one WireGuard key only (the key's hash is recorded at first
 *       use).
 *   <li>{@code mfp:<namespace>:<peer>:<secret>} — the <b>peer credential</b> the join returns. Only
 *       its SHA-256 is stored, in the membership Secret {@code <peer>-meshfed-agent} ({@link
 *       AgentSecrets}) owned by the Peer, beside the peer's public key, endpoints and facts.
 * </ul>
 *
 * <h2>From token to credential</h2>
 *
 * <ol>
 *   <li>The machine fetches the installer ({@link BootstrapResource}: {@code GET
 *       /api/v1/install.sh}, {@code ca.crt}, {@code agent.jar}) and trusts the agent API only once
 *       its CA matches the pinned {@code sha256:} hash — from the join line, or from the cloud-init
 *       user data {@link CloudInit} renders for machines the operator makes.
 *   <li>The agent makes its WireGuard key (the private key never leaves the machine) and sends
 *       {@code POST /api/v1/join} with the token, its public key, endpoints and facts.
 *   <li>{@link JoinService} checks everything before it writes anything (token, expiry, the Peer it
 *       binds to, the cluster), so a refused join leaves no trace; then creates the Peer for a new
 *       host, takes its subnet (IPAM), writes the membership Secret (server-side apply: a retry
 *       after a lost answer gets the same address) and marks a bootstrap token used.
 *   <li>The answer carries the credential and the peer's own configuration (address, subnet, port,
 *       domain); the Peer reconciler sees the membership Secret and moves the Peer to Joining, then
 *       Ready on the first heartbeat.
 * </ol>
 *
 * <h2>After the join</h2>
 *
 * <p>Every other call carries {@code Authorization: Bearer mfp:…}; {@link Credentials} checks it
 * against the hash in the membership Secret ({@link Memberships}: a watch cache, with a read from
 * the API server right after a join when the cache lags). Deleting the Peer revokes it: the Secrets
 * are owned by the Peer, and its finalizer deletes them explicitly for clusters without a garbage
 * collector. {@link Validation} is what the agent API accepts of a request's fields.
 */
package io.meshfed.operator.join;
