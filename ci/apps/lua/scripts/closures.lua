-- Closures, varargs, recursion, goto.
local function counter()
  local n = 0
  return function() n = n + 1; return n end
end
local c1, c2 = counter(), counter()
print(c1(), c1(), c1(), c2())
local function sum(...)
  local s = 0
  for _, v in ipairs({...}) do s = s + v end
  return s, select("#", ...)
end
print(sum(1, 2, 3, 4, 5))
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print(fib(25))
local memo = setmetatable({}, {__mode = "k"})
local function compose(f, g) return function(...) return f(g(...)) end end
local inc = function(x) return x + 1 end
local dbl = function(x) return x * 2 end
print(compose(inc, dbl)(5), compose(dbl, inc)(5), type(memo))
local fns = {}
for i = 1, 5 do fns[i] = function() return i * i end end
local out = {}
for i = 1, 5 do out[i] = fns[i]() end
print(table.concat(out, " "))
do
  local i = 1
  ::top::
  if i <= 3 then io.write("goto", i, " "); i = i + 1; goto top end
  print()
end
local function tail(n, acc) if n == 0 then return acc end return tail(n - 1, acc + n) end
print(tail(100000, 0))
print(string.format("%s", load("return 2 + 3 * 4")()), load("syntax error here"))
