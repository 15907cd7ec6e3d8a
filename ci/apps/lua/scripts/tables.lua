-- Tables: arrays, sort, concat, insert/remove, metatables.
local t = {}
for i = 1, 20 do t[i] = (i * 7919) % 101 end
table.sort(t)
print(table.concat(t, " "))
table.sort(t, function(a, b) return a > b end)
print(table.concat(t, " "))
local words = {"pear", "apple", "fig", "banana", "cherry", "date"}
table.sort(words)
print(table.concat(words, ","))
table.sort(words, function(a, b) return #a < #b or (#a == #b and a < b) end)
print(table.concat(words, ","))
table.insert(words, 1, "kiwi"); table.insert(words, "lime"); print(table.remove(words), table.remove(words, 1), #words)
print(table.unpack({1, 2, 3}))
print(select("#", table.unpack({1, nil, 3}, 1, 3)))
local m = table.move({1, 2, 3, 4, 5}, 2, 4, 1)
print(table.concat(m, ","))
local keys = {}
local h = {one = 1, two = 2, three = 3, four = 4}
for k in pairs(h) do keys[#keys + 1] = k end
table.sort(keys)
print(table.concat(keys, " "))
local V = {}
V.__index = V
V.__add = function(a, b) return setmetatable({x = a.x + b.x, y = a.y + b.y}, V) end
V.__tostring = function(v) return "(" .. v.x .. ", " .. v.y .. ")" end
V.__eq = function(a, b) return a.x == b.x and a.y == b.y end
V.__lt = function(a, b) return a.x < b.x end
V.__len = function() return 2 end
local a, b = setmetatable({x = 1, y = 2}, V), setmetatable({x = 3, y = 4}, V)
print(tostring(a + b), a == b, a < b, #a, rawlen(a), rawequal(a, a))
local big = {}
for i = 1, 50000 do big[i] = (i * 2654435761) % 1000003 end
table.sort(big)
local ok = true
for i = 2, #big do if big[i - 1] > big[i] then ok = false end end
print(#big, big[1], big[25000], big[50000], ok)
local proxy = setmetatable({}, {__index = function(_, k) return k * 2 end, __newindex = function(t2, k, v) rawset(t2, k, v + 1) end})
proxy[1] = 10
print(proxy[1], proxy[21], next({}), type(next))
