# Flags for building a ukrt C app (included by each C app's Makefile).
#
# UKRT is the ukrt checkout and OUT the folder the .so files go to; the top
# Makefile's `make image APP=...` sets both.
#
#   -fPIC -shared          apps are position-independent shared objects
#   -mno-red-zone          Xen writes exception frames right below the stack
#                          pointer: nothing may live there
#   -Werror=implicit-function-declaration
#                          a call of a function no header declares is an
#                          error, not a guess at its type
#   -nostdinc -isystem ... only gcc's freestanding headers (stdarg.h, stddef.h,
#                          stdint.h, limits.h...) plus ours, never glibc's
#   -ffile-prefix-map=$(UKRT)=/ukrt
#                          debug info names the checkout's sources under
#                          /ukrt, so an object (its size, its build ID)
#                          does not depend on where the checkout is; the
#                          harness and `make debug` map /ukrt back
#   -z max-page-size=0x200000 -z noseparate-code -z norelro
#                          code and data in different 2 MiB ranges, one code
#                          segment, and no RELRO padding (which would pad
#                          the file to 2 MiB): lets instances share code
#                          pages and the page tables that map them
UKRT ?= ../..
OUT ?= build
APP_CC ?= gcc
APP_CFLAGS := -O2 -g -fPIC -mno-red-zone -fno-stack-protector -ffreestanding \
              -Werror=implicit-function-declaration -Werror=implicit-int \
              -fno-omit-frame-pointer -nostdinc -isystem $(shell $(APP_CC) -print-file-name=include) \
              -I $(UKRT)/app-template/include -ffile-prefix-map=$(abspath $(UKRT))=/ukrt
APP_LDFLAGS := -shared -nostdlib -Wl,-z,max-page-size=0x200000 -Wl,-z,noseparate-code \
               -Wl,-z,norelro -Wl,--no-undefined-version
APP_LIBS := -L $(OUT) -lukc -lgcc
# Rebuild when libukc's headers or library change.
APP_DEPS := $(wildcard $(UKRT)/app-template/include/*.h) $(OUT)/libukc.so
