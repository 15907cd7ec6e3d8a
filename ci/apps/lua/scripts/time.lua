-- os.date and os.time on fixed times (UTC), os.difftime; no clock reads printed.
local t = 1700000000
print(os.date("!%Y-%m-%d %H:%M:%S", t))
print(os.date("!%a %A %b %B %d %j %U %w %y %p %I", t))
print(os.date("!%c", 0), os.date("!%x %X", 86399))
local d = os.date("!*t", t)
print(d.year, d.month, d.day, d.hour, d.min, d.sec, d.wday, d.yday, d.isdst)
print(os.time({year = 2024, month = 2, day = 29, hour = 12, min = 0, sec = 0}) - os.time({year = 2024, month = 1, day = 1, hour = 12}))
print(os.time({year = 2000, month = 13, day = 1, hour = 0}) == os.time({year = 2001, month = 1, day = 1, hour = 0}))
print(os.difftime(t + 90, t), type(os.time()), type(os.clock()))
print(os.date("!%H:%M", 3600 * 25 + 60 * 7))
print(os.getenv("NO_SUCH_VARIABLE_HERE"))
