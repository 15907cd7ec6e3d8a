/* The SQLite acceptance test (ci/boot_tests.py, class RealPrograms): the
   amalgamation from the libsqlite3-sys crate, unmodified, with this main
   of ours, built as a ukrt app and natively against glibc; both run the
   same SQL and print the same bytes.

   usage: sqlite TMPDIR SCRIPT.sql...
   Each script runs in a fresh in-memory database, except that the lines
   "-- open FILE" and "-- reopen" switch to (or reopen) TMPDIR/FILE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite3.h"

static int print_row(void *first, int n, char **values, char **names) {
    if (*(int *)first) {
        for (int i = 0; i < n; i++) printf("%s%s", i ? "|" : "", names[i]);
        printf("\n");
        *(int *)first = 0;
    }
    for (int i = 0; i < n; i++) printf("%s%s", i ? "|" : "", values[i] ? values[i] : "NULL");
    printf("\n");
    return 0;
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc(n + 1);
    if (fread(text, 1, n, f) != (size_t)n) n = 0;
    text[n] = 0;
    fclose(f);
    return text;
}

/* Runs the statements of `sql` one by one, printing each result. */
static int run(sqlite3 *db, const char *sql) {
    int failed = 0;
    while (*sql) {
        const char *rest;
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, sql, -1, &st, &rest) != SQLITE_OK) {
            printf("error: %s\n", sqlite3_errmsg(db));
            return 1;
        }
        if (!st) break; /* only whitespace or comments left */
        int first = 1, rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            int n = sqlite3_column_count(st);
            char *values[64], *names[64];
            for (int i = 0; i < n && i < 64; i++) {
                values[i] = (char *)sqlite3_column_text(st, i);
                names[i] = (char *)sqlite3_column_name(st, i);
            }
            print_row(&first, n < 64 ? n : 64, values, names);
        }
        if (rc != SQLITE_DONE) {
            printf("error: %s\n", sqlite3_errmsg(db));
            failed = 1;
        }
        sqlite3_finalize(st);
        sql = rest;
    }
    return failed;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        printf("usage: %s TMPDIR SCRIPT.sql...\n", argv[0]);
        return 2;
    }
    printf("sqlite %s\n", sqlite3_libversion());
    int failed = 0;
    for (int i = 2; i < argc; i++) {
        char *text = read_file(argv[i]);
        if (!text) {
            printf("%s: cannot read\n", argv[i]);
            return 1;
        }
        printf("== %s\n", argv[i]);
        sqlite3 *db = NULL;
        sqlite3_open(":memory:", &db);
        char file[512] = "";
        /* Split the script at "-- open FILE" and "-- reopen" lines. */
        char *part = text;
        for (;;) {
            char *mark = strstr(part, "\n-- open ");
            char *again = strstr(part, "\n-- reopen");
            char *next = mark && (!again || mark < again) ? mark : again;
            if (next) *next = 0;
            failed |= run(db, part);
            if (!next) break;
            sqlite3_close(db);
            if (next == mark) {
                char name[256];
                for (int k = 0; k < 255 && next[9 + k] && next[9 + k] != '\n'; k++) {
                    name[k] = next[9 + k];
                    name[k + 1] = 0;
                }
                snprintf(file, sizeof file, "%s/%s", argv[1], name);
                remove(file);
                part = next + 9 + strlen(name);
            } else {
                part = next + 10;
            }
            printf("-- (re)opened the file database\n");
            if (sqlite3_open(file, &db) != SQLITE_OK) {
                printf("cannot open the database: %s\n", sqlite3_errmsg(db));
                return 1;
            }
        }
        sqlite3_close(db);
        if (file[0]) remove(file);
        free(text);
    }
    return failed;
}
