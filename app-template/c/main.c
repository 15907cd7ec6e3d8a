/* A ukrt C app: the usual main, the usual headers. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    printf("Hello from %s!\n", argv[0]);
    for (int i = 1; i < argc; i++) printf("argument %d: %s\n", i, argv[i]);
    const char *who = getenv("GREETING");
    if (who) printf("GREETING is %s\n", who);
    return EXIT_SUCCESS;
}
