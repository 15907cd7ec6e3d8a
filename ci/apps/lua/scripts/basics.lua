-- Numbers: integer and float arithmetic, conversions, formatting.
print(1 + 2, 7 // 2, 7 % 3, -7 // 2, -7 % 3, 7 / 2, 2^10, 2^0.5)
print(math.maxinteger, math.mininteger, math.maxinteger + 1 == math.mininteger)
print(0.1 + 0.2, 1e300 * 1e10, -1e300 * 1e10, 1/3, 100 / 7, 3.0, -0.0)
print(math.pi, math.huge, -math.huge, math.tointeger(3.0), math.type(1), math.type(1.0))
print(tonumber("0x10"), tonumber("  12  "), tonumber("1e3"), tonumber("z", 36), tonumber("10", 2))
print(string.format("%d %5d %-5d| %05.1f %.3e %g %g %x %X %o", 42, 42, 42, 3.14159, 12345.678, 1e20, 0.0001, 255, 255, 8))
print(string.format("%q", 1/3), string.format("%a", 1.0), string.format("%10.4s|", "abcdefgh"))
print(math.floor(-3.5), math.ceil(-3.5), math.abs(-4), math.max(1, 5, 3), math.min(2, -1))
print(math.fmod(7, 3), math.fmod(-7, 3), math.sqrt(2), math.exp(1), math.log(10), math.log(8, 2), math.log(100, 10))
print(math.sin(1), math.cos(1), math.tan(1), math.asin(0.5), math.acos(0.5), math.atan(1, 2))
print(3 | 5, 3 & 5, 3 ~ 5, ~0, 1 << 62, 256 >> 4, "10" + 1, "3" * "4")
local s = 0
for i = 1, 100000 do s = s + i * i % 7 end
print(s)
local f = 1.0
for i = 1, 30 do f = f * 1.5 + 1 / i end
print(f, string.format("%.17g", f))
