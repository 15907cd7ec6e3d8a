-- 200,000 tables alive at once, then freed and collected.
local t = {}
for i = 1, 200000 do t[i] = {i, tostring(i), x = i * 2} end
local sum = 0
for i = 1, #t, 1000 do sum = sum + t[i][1] + t[i].x + #t[i][2] end
print(#t, sum)
t = nil
collectgarbage("collect")
local s = {}
for i = 1, 20000 do s[#s + 1] = string.rep("ab", i % 100) .. i end
print(#s, #table.concat(s))
print(collectgarbage("count") > 0)
