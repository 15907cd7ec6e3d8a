-- Coroutines: generators, passing values, status, wrap, errors inside.
local function gen(n)
  return coroutine.wrap(function()
    for i = 1, n do coroutine.yield(i * i) end
  end)
end
local out = {}
for v in gen(10) do out[#out + 1] = v end
print(table.concat(out, ","))
local co = coroutine.create(function(a, b)
  print("start", a, b)
  local c = coroutine.yield(a + b)
  print("got", c)
  local d, e = coroutine.yield(c * 2)
  print("got", d, e)
  return "done", 99
end)
print(coroutine.resume(co, 1, 2))
print(coroutine.status(co))
print(coroutine.resume(co, 10))
print(coroutine.resume(co, "x", "y"))
print(coroutine.status(co), coroutine.resume(co))
local bad = coroutine.create(function() error("inside") end)
print(coroutine.resume(bad))
print(coroutine.isyieldable(), select(2, coroutine.running()))
local producer = coroutine.wrap(function()
  for _, w in ipairs({"alpha", "beta", "gamma"}) do coroutine.yield(w) end
  return nil
end)
local words = {}
while true do local w = producer(); if not w then break end; words[#words + 1] = w:upper() end
print(table.concat(words, " "))
local depth = 0
local function nest(n)
  if n == 0 then return coroutine.yield("bottom") end
  depth = depth + 1
  return nest(n - 1)
end
local deep = coroutine.wrap(function() return nest(150) end)
print(deep(), depth)
