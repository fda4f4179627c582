local hs = { status = "Progressing", message = "Waiting for the operator" }
if stale(obj) then
  return hs
end
local scheduled = condition(obj, "Scheduled")
local available = condition(obj, "Available")
local wanted = obj.status.replicas or 0
local ready = obj.status.readyReplicas or 0
if scheduled ~= nil and scheduled.status == "False" and scheduled.reason == "NoMatchingPeer" then
  -- no peer can ever take it until the spec or the peers change
  hs.status = "Degraded"
  hs.message = scheduled.message or scheduled.reason
  return hs
end
local progressing = condition(obj, "Progressing")
if progressing ~= nil and progressing.status == "False"
    and progressing.reason == "ProgressDeadlineExceeded" then
  -- a rollout whose new replicas never got ready: the old ones serve, a person has to look
  hs.status = "Degraded"
  hs.message = progressing.message or progressing.reason
  return hs
end
if available ~= nil and available.status == "True" and ready >= wanted then
  hs.status = "Healthy"
  hs.message = ready .. "/" .. wanted .. " replicas ready"
  return hs
end
if available ~= nil and available.status == "False"
    and (available.reason == "EnvNotResolved" or available.reason == "ClusterNotFound") then
  -- waits for a person: a missing Secret or cluster
  hs.status = "Degraded"
  hs.message = available.message or available.reason
  return hs
end
hs.message = ready .. "/" .. wanted .. " replicas ready"
  .. ((scheduled and scheduled.status == "False") and ("; " .. (scheduled.message or scheduled.reason)) or "")
return hs
