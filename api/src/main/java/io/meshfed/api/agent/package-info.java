/**
 * The agent protocol: the JSON bodies agents and the operator's agent API exchange under {@code
 * /api/v1}. Plain records with Jackson annotations only, so the agent can use them without the
 * Kubernetes model.
 */
package io.meshfed.api.agent;
