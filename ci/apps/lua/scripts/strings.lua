-- Strings and patterns.
local s = "The quick brown fox jumps over the lazy dog"
print(#s, s:upper(), s:lower(), s:len(), s:sub(5, 9), s:sub(-3), s:rep(2, ", "))
print(s:find("fox"), s:find("o", 20), s:find("%s(%a+)%s"), s:match("(%a+) dog"))
print(s:gsub("o", "0"), s:gsub("%w+", string.upper, 3))
for w in s:gmatch("%a+") do io.write(w:reverse(), " ") end
print()
print(("x = %d, y = %s"):format(10, "ten"), string.byte("ABC", 1, 3), string.char(72, 105))
print(("key=value; other=thing"):gsub("(%w+)=(%w+)", "%2=%1"))
print(string.format("[%s]", ("  trim me  "):match("^%s*(.-)%s*$")))
print(("2024-01-15"):match("(%d+)-(%d+)-(%d+)"))
print(("hello world from lua"):gsub("(%w+)", "<%1>"))
print(("%d"):rep(3, "|"), ("abc"):byte(-1), tostring(12):len())
print(string.pack and #string.pack("i4i8", 1, 2), string.unpack("i4", string.pack("i4", 123456)))
print(utf8.char(72, 228, 8364, 128512), utf8.len("häll€"), #utf8.char(128512))
local parts = {}
for k, v in string.gmatch("a=1, b=2, c=3", "(%w+)=(%w+)") do parts[#parts + 1] = k .. v end
print(table.concat(parts, ";"))
print(("abc"):find("b", 1, true), ("a.b.c"):gsub("%.", "/"), ("[test]"):find("[", 1, true))
print(string.format("%-10s|%10s|", "left", "right"), ("%5.1f"):format(-2.25))
