/* The Lua acceptance test (ci/boot_tests.py, class RealPrograms): Lua 5.4
   from the lua-src crate's unmodified sources, with this main of ours,
   built as a ukrt app and natively against glibc; both run the same
   scripts and their outputs must be the same bytes.

   usage: lua TMPDIR SCRIPT...   (TMPDIR becomes the scripts' global TMP) */
#include <stdio.h>
#include <stdlib.h>

#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s TMPDIR SCRIPT...\n", argv[0]);
        return 2;
    }
    int failed = 0;
    for (int i = 2; i < argc; i++) {
        lua_State *L = luaL_newstate();
        if (L == NULL) {
            printf("%s: cannot create a Lua state\n", argv[i]);
            return 1;
        }
        luaL_openlibs(L);
        lua_pushstring(L, argv[1]);
        lua_setglobal(L, "TMP");
        printf("== %s\n", argv[i]);
        if (luaL_dofile(L, argv[i]) != LUA_OK) {
            printf("error: %s\n", lua_tostring(L, -1));
            failed = 1;
        }
        fflush(stdout);
        lua_close(L);
    }
    return failed;
}
