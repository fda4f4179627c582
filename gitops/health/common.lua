-- Shared by the four checks (each file is self-contained in argocd-cm: this is pasted on top).
local function condition(obj, type)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

-- the operator has not looked at this generation of the spec yet
local function stale(obj)
  return obj.status == nil
    or obj.status.observedGeneration == nil
    or (obj.metadata.generation ~= nil and obj.status.observedGeneration < obj.metadata.generation)
end
