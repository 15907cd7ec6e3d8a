/* Hello in C: print a line and the arguments; `exit=N` ends with status N. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    printf("Hello from C!\n");
    for (int i = 0; i < argc; i++) printf("arg: %s\n", argv[i]);
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "exit=", 5) == 0) exit(atoi(argv[i] + 5));
    return 0;
}
