-- io on files: write, read back by lines/numbers/all, seek, append, remove.
local path = TMP .. "/lua-io-test.txt"
-- Messages name paths under TMP, which differs between runs: show it as TMP.
local function show(...)
  local t = table.pack(...)
  for i = 1, t.n do
    if type(t[i]) == "string" then
      local a, b = t[i]:find(TMP, 1, true)
      if a then t[i] = t[i]:sub(1, a - 1) .. "TMP" .. t[i]:sub(b + 1) end
    end
  end
  print(table.unpack(t, 1, t.n))
end
local f = assert(io.open(path, "w"))
f:write("line one\n", "line two\n", 42, " ", 3.5, "\n", "last line without newline")
f:close()
for l in io.lines(path) do io.write("[", l, "] ") end
print()
f = assert(io.open(path, "r"))
print(f:read("l"), f:read("L"), f:read("n", "n"), f:read("a"))
print(f:seek("set", 5), f:read(3), f:seek("cur"), f:seek("end"))
f:close()
f = assert(io.open(path, "a")); f:write("\nappended"); f:close()
f = assert(io.open(path, "rb")); local all = f:read("a"); f:close()
print(#all, select(2, all:gsub("\n", "")))
show(io.open(TMP .. "/no/such/dir/file", "r"))
show(os.rename(path, path .. ".2"), io.open(path, "r"))
show(os.remove(path .. ".2"), os.remove(path .. ".2"))
print(io.type(f), io.type(io.stdout), io.type(42))
local big = assert(io.open(TMP .. "/lua-big.txt", "w"))
for i = 1, 5000 do big:write(string.format("%05d %s\n", i, ("x"):rep(i % 50))) end
big:close()
local n, bytes = 0, 0
for l in io.lines(TMP .. "/lua-big.txt") do n = n + 1; bytes = bytes + #l end
print(n, bytes, os.remove(TMP .. "/lua-big.txt"))
