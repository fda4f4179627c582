local hs = { status = "Progressing", message = "Waiting for the operator" }
if stale(obj) then
  return hs
end
local credentials = condition(obj, "CredentialsValid")
if credentials ~= nil and credentials.status == "False" then
  hs.status = "Degraded"
  hs.message = "Cloud credentials: " .. (credentials.message or credentials.reason)
  return hs
end
local ready = condition(obj, "Ready")
local phase = obj.status.phase
if phase == "Ready" and ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message or "Ready"
elseif phase == "Degraded" then
  hs.status = "Degraded"
  hs.message = (ready and ready.message) or "Some peers are NotReady or Failed"
else
  hs.message = (ready and ready.message) or ("Phase " .. tostring(phase))
end
return hs
