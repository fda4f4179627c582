local hs = { status = "Progressing", message = "Waiting for the operator" }
if stale(obj) then
  return hs
end
local capacity = condition(obj, "CapacityKnown")
if capacity ~= nil and capacity.status == "False" then
  -- an autoscaled pool that cannot know its peers' size cannot grow: fix the pool
  hs.status = "Degraded"
  hs.message = capacity.message or capacity.reason
  return hs
end
local ready = condition(obj, "Ready")
if ready == nil then
  return hs
end
hs.message = ready.message or ready.reason
if ready.status == "True" then
  hs.status = "Healthy"
elseif ready.reason == "ClusterNotFound" then
  hs.status = "Degraded"
end
return hs
