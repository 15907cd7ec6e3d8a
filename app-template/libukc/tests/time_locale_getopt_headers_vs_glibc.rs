//! The headers this layer added for time, locales, getopt, scanf and the
//! extra string functions, against glibc's: a probe prints the constants,
//! the size, alignment and field offsets of `struct tm`, `struct lconv`,
//! `struct option` and `struct timezone`, the size and signedness of
//! `clock_t`, and what the timeval macros compute; built once with glibc's
//! headers and once with ours only (as apps are built), the outputs must be
//! the same. Each header also builds alone under C99, C11 and GNU17 with
//! -Wall -Wextra -Werror.
use std::path::{Path, PathBuf};
use std::process::Command;

const HEADERS: &[&str] = &[
    "time.h",
    "sys/time.h",
    "locale.h",
    "getopt.h",
    "string.h",
    "strings.h",
    "stdio.h",
];

const PROBE: &str = r#"
#include <stdio.h>
#include <stddef.h>
#include <time.h>
#include <sys/time.h>
#include <locale.h>
#include <getopt.h>
#include <string.h>
#include <strings.h>
#define S(T, F) printf("offsetof " #T "." #F "=%zu sizeof=%zu\n", offsetof(T, F), sizeof(((T *) 0)->F))
int main(void) {
    printf("CLOCKS_PER_SEC=%ld\n", (long) CLOCKS_PER_SEC);
    printf("clock_t=%zu signed=%d\n", sizeof(clock_t), (int) ((clock_t) -1 < 0));
    printf("LC=%d %d %d %d %d %d %d %d %d %d %d %d %d\n", LC_CTYPE, LC_NUMERIC, LC_TIME, LC_COLLATE,
           LC_MONETARY, LC_MESSAGES, LC_ALL, LC_PAPER, LC_NAME, LC_ADDRESS, LC_TELEPHONE,
           LC_MEASUREMENT, LC_IDENTIFICATION);
    printf("args=%d %d %d\n", no_argument, required_argument, optional_argument);
    printf("tm=%zu/%zu lconv=%zu/%zu option=%zu/%zu timezone=%zu/%zu\n", sizeof(struct tm),
           _Alignof(struct tm), sizeof(struct lconv), _Alignof(struct lconv), sizeof(struct option),
           _Alignof(struct option), sizeof(struct timezone), _Alignof(struct timezone));
    S(struct tm, tm_sec); S(struct tm, tm_min); S(struct tm, tm_hour); S(struct tm, tm_mday);
    S(struct tm, tm_mon); S(struct tm, tm_year); S(struct tm, tm_wday); S(struct tm, tm_yday);
    S(struct tm, tm_isdst); S(struct tm, tm_gmtoff); S(struct tm, tm_zone);
    S(struct lconv, decimal_point); S(struct lconv, thousands_sep); S(struct lconv, grouping);
    S(struct lconv, int_curr_symbol); S(struct lconv, currency_symbol);
    S(struct lconv, mon_decimal_point); S(struct lconv, mon_thousands_sep);
    S(struct lconv, mon_grouping); S(struct lconv, positive_sign); S(struct lconv, negative_sign);
    S(struct lconv, int_frac_digits); S(struct lconv, frac_digits); S(struct lconv, p_cs_precedes);
    S(struct lconv, p_sep_by_space); S(struct lconv, n_cs_precedes); S(struct lconv, n_sep_by_space);
    S(struct lconv, p_sign_posn); S(struct lconv, n_sign_posn); S(struct lconv, int_p_cs_precedes);
    S(struct lconv, int_p_sep_by_space); S(struct lconv, int_n_cs_precedes);
    S(struct lconv, int_n_sep_by_space); S(struct lconv, int_p_sign_posn);
    S(struct lconv, int_n_sign_posn);
    S(struct option, name); S(struct option, has_arg); S(struct option, flag); S(struct option, val);
    S(struct timezone, tz_minuteswest); S(struct timezone, tz_dsttime);
    struct timeval a = {5, 900000}, b = {2, 300000}, r;
    timeradd(&a, &b, &r); printf("add=%ld.%06ld\n", (long) r.tv_sec, (long) r.tv_usec);
    timersub(&b, &a, &r); printf("sub=%ld.%06ld\n", (long) r.tv_sec, (long) r.tv_usec);
    printf("cmp=%d %d %d\n", timercmp(&a, &b, <), timercmp(&a, &b, >), timercmp(&a, &a, ==));
    printf("isset=%d\n", (int) !!timerisset(&a));
    timerclear(&a); printf("clear=%d\n", (int) !!timerisset(&a));
    return 0;
}
"#;

fn include_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../include")
}

fn gcc_include() -> String {
    let out = Command::new("gcc")
        .arg("-print-file-name=include")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn build(dir: &Path, name: &str, args: &[&str], src: &str) -> String {
    let exe = dir.join(name);
    let out = Command::new("gcc")
        .args(args)
        .arg("-o")
        .arg(&exe)
        .arg(src)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new(&exe).output().unwrap();
    String::from_utf8(run.stdout).unwrap()
}

#[test]
fn layouts_and_constants_match_glibc() {
    let dir = std::env::temp_dir().join(format!("ukc-tlg-headers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("probe.c");
    std::fs::write(&src, PROBE).unwrap();
    let src = src.to_str().unwrap();
    let theirs = build(&dir, "glibc", &["-O2", "-D_GNU_SOURCE"], src);
    let inc = include_dir();
    let gcc_inc = gcc_include();
    // With our headers only (and glibc's library to run: the declarations
    // are ABI-compatible, which is the point).
    let ours = build(
        &dir,
        "ours-run",
        &[
            "-O2",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-ffreestanding",
            "-nostdinc",
            "-isystem",
            &gcc_inc,
            "-I",
            inc.to_str().unwrap(),
        ],
        src,
    );
    assert_eq!(ours, theirs);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn each_header_builds_alone_in_every_c_mode() {
    let dir = std::env::temp_dir().join(format!("ukc-tlg-modes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let inc = include_dir();
    let gcc_inc = gcc_include();
    for std in ["-std=c99", "-std=c11", "-std=gnu17"] {
        for gnu in [false, true] {
            for h in HEADERS {
                let define = if gnu { "#define _GNU_SOURCE\n" } else { "" };
                std::fs::write(
                    dir.join("one.c"),
                    format!("{define}#include <{h}>\nint x;\n"),
                )
                .unwrap();
                let out = Command::new("gcc")
                    .args([
                        std,
                        "-Wall",
                        "-Wextra",
                        "-Werror",
                        "-fsyntax-only",
                        "-ffreestanding",
                        "-nostdinc",
                        "-isystem",
                    ])
                    .arg(&gcc_inc)
                    .arg("-I")
                    .arg(&inc)
                    .arg(dir.join("one.c"))
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "{h} alone, {std}, gnu {gnu}:\n{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}
