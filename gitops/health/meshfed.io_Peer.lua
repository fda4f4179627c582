local hs = { status = "Progressing", message = "Waiting for the operator" }
if stale(obj) then
  return hs
end
local phase = obj.status.phase
local ready = condition(obj, "Ready")
local healthy = condition(obj, "Healthy")
local why = (ready and ready.message) or ("Phase " .. tostring(phase))
if phase == "Ready" then
  if healthy ~= nil and healthy.status == "False" then
    hs.status = "Degraded"
    hs.message = "Data plane: " .. (healthy.message or healthy.reason)
  else
    hs.status = "Healthy"
    hs.message = why
  end
elseif phase == "NotReady" or phase == "Failed" then
  hs.status = "Degraded"
  hs.message = why
else
  -- Pending, Provisioning, Joining, Terminating
  hs.message = why
end
return hs
