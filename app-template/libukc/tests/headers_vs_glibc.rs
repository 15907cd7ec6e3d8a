//! libukc's C headers (app-template/include) against glibc's: one probe
//! program prints every constant our network, fcntl, unistd, poll, select,
//! errno, sys/stat, dirent and stdio headers define, the size, alignment and field offsets of
//! their structures, the sizes and signedness of their types, what the
//! FD_* macros do to an fd_set's bytes and what the byte order macros
//! give. It is built twice, once with glibc's headers and once with ours
//! only (as apps are: -nostdinc plus gcc's own headers), and both outputs
//! must be the same; the Rust side (ukc::net, ukc::addrinfo, ukc::errno,
//! ukc::file) is compared with glibc's values too. The S_IS* macros are
//! run on every file type.
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::mem::{align_of, offset_of, size_of};
use std::path::{Path, PathBuf};
use std::process::Command;
use ukc::{addrinfo as ai, errno, file, net};

fn include_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../include")
}

/// The headers checked, as an app includes them.
const HEADERS: &[&str] = &[
    "sys/types.h",
    "sys/socket.h",
    "netinet/in.h",
    "netinet/tcp.h",
    "arpa/inet.h",
    "netdb.h",
    "poll.h",
    "sys/select.h",
    "sys/time.h",
    "fcntl.h",
    "unistd.h",
    "errno.h",
    "sys/stat.h",
    "dirent.h",
    "stdio.h",
];

/// Every object-like macro with a value that `header` defines (not the
/// include guards, nor the initialisers).
fn macros(header: &str) -> Vec<String> {
    let text = std::fs::read_to_string(include_dir().join(header)).unwrap();
    text.lines()
        .filter_map(|l| l.strip_prefix("#define "))
        .filter_map(|l| {
            let name: String = l
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let rest = &l[name.len()..];
            let object_like = rest.starts_with(' ') && !rest.trim().is_empty();
            let ours = (name.starts_with(|c: char| c.is_ascii_uppercase())
                || name.starts_with("_IO"))
                && !name.ends_with("_INIT");
            (object_like && ours).then_some(name)
        })
        .collect()
}

const STRUCTS: &[(&str, &[&str])] = &[
    ("struct sockaddr", &["sa_family", "sa_data"]),
    ("struct sockaddr_storage", &["ss_family"]),
    ("struct linger", &["l_onoff", "l_linger"]),
    ("struct in_addr", &["s_addr"]),
    ("struct in6_addr", &["s6_addr", "s6_addr16", "s6_addr32"]),
    (
        "struct sockaddr_in",
        &["sin_family", "sin_port", "sin_addr", "sin_zero"],
    ),
    (
        "struct sockaddr_in6",
        &[
            "sin6_family",
            "sin6_port",
            "sin6_flowinfo",
            "sin6_addr",
            "sin6_scope_id",
        ],
    ),
    (
        "struct addrinfo",
        &[
            "ai_flags",
            "ai_family",
            "ai_socktype",
            "ai_protocol",
            "ai_addrlen",
            "ai_addr",
            "ai_canonname",
            "ai_next",
        ],
    ),
    ("struct pollfd", &["fd", "events", "revents"]),
    ("struct timeval", &["tv_sec", "tv_usec"]),
    ("fd_set", &[]),
    (
        "struct stat",
        &[
            "st_dev",
            "st_ino",
            "st_nlink",
            "st_mode",
            "st_uid",
            "st_gid",
            "st_rdev",
            "st_size",
            "st_blksize",
            "st_blocks",
            "st_atim",
            "st_mtim",
            "st_ctim",
            "st_atime",
            "st_mtime",
            "st_ctime",
        ],
    ),
    (
        "struct dirent",
        &["d_ino", "d_off", "d_reclen", "d_type", "d_name"],
    ),
    ("struct timespec", &["tv_sec", "tv_nsec"]),
];

const TYPES: &[&str] = &[
    "ssize_t",
    "size_t",
    "off_t",
    "pid_t",
    "uid_t",
    "gid_t",
    "mode_t",
    "time_t",
    "suseconds_t",
    "useconds_t",
    "socklen_t",
    "sa_family_t",
    "in_port_t",
    "in_addr_t",
    "nfds_t",
    "fd_mask",
    "off64_t",
    "ino_t",
    "dev_t",
    "nlink_t",
    "blksize_t",
    "blkcnt_t",
];

/// Run-time checks: the FD_* macros on a set that starts dirty, the byte
/// order macros (in line at -O2), the IPv6 initialisers and constants.
const BEHAVIOUR: &str = r#"
static void dump(const char *name, const void *p, size_t n) {
    const unsigned char *b = p;
    printf("%s=", name);
    for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
    printf("\n");
}

static void behaviour(void) {
    fd_set s;
    memset(&s, 0xa5, sizeof s);
    FD_ZERO(&s);
    dump("fd_zero", &s, sizeof s);
    int fds[] = {0, 1, 2, 63, 64, 65, 127, 128, 500, 511, 512, 1000, 1022, 1023};
    for (unsigned i = 0; i < sizeof fds / sizeof fds[0]; i++) FD_SET(fds[i], &s);
    dump("fd_set", &s, sizeof s);
    FD_CLR(64, &s);
    FD_CLR(1023, &s);
    FD_CLR(3, &s);
    dump("fd_clr", &s, sizeof s);
    unsigned long long isset = 0;
    for (int d = 0; d < FD_SETSIZE; d++) isset = isset * 31 + (FD_ISSET(d, &s) ? d + 1 : 0);
    printf("fd_isset=%llu\n", isset);
    printf("fd_isset_1=%d\n", (int) FD_ISSET(1, &s));
    unsigned long long v[] = {0, 1, 0x1234, 0xabcd, 0x12345, 0xffff, 0x12345678, 0xdeadbeef,
                              0x123456789ULL, 0xffffffffULL};
    for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++) {
        printf("htons_%u=%u\n", i, (unsigned) htons(v[i]));
        printf("ntohs_%u=%u\n", i, (unsigned) ntohs(v[i]));
        printf("htonl_%u=%u\n", i, (unsigned) htonl(v[i]));
        printf("ntohl_%u=%u\n", i, (unsigned) ntohl(v[i]));
    }
    printf("sizeof_htons=%zu\n", sizeof(htons(1)));
    printf("sizeof_htonl=%zu\n", sizeof(htonl(1)));
    struct in6_addr any = IN6ADDR_ANY_INIT, lo = IN6ADDR_LOOPBACK_INIT;
    dump("in6addr_any_init", &any, sizeof any);
    dump("in6addr_loopback_init", &lo, sizeof lo);
    dump("in6addr_any", &in6addr_any, sizeof in6addr_any);
    dump("in6addr_loopback", &in6addr_loopback, sizeof in6addr_loopback);
    printf("inaddr_any_lt0=%d\n", (int) (INADDR_ANY - 1 < 0));
    mode_t types[] = {S_IFSOCK, S_IFLNK, S_IFREG, S_IFBLK, S_IFDIR, S_IFCHR, S_IFIFO, 0};
    for (unsigned i = 0; i < sizeof types / sizeof types[0]; i++) {
        mode_t m = types[i] | 0755;
        printf("s_is_%u=%d%d%d%d%d%d%d\n", i, S_ISREG(m) != 0, S_ISDIR(m) != 0, S_ISCHR(m) != 0,
               S_ISBLK(m) != 0, S_ISFIFO(m) != 0, S_ISLNK(m) != 0, S_ISSOCK(m) != 0);
    }
}
"#;

fn probe_source() -> (String, Vec<String>) {
    let mut names = Vec::new();
    for h in HEADERS {
        for m in macros(h) {
            if !names.contains(&m) {
                names.push(m);
            }
        }
    }
    let mut c = String::from("#include <stdio.h>\n#include <string.h>\n#include <stddef.h>\n");
    for h in HEADERS {
        writeln!(c, "#include <{h}>").unwrap();
    }
    c.push_str(BEHAVIOUR);
    c.push_str("int main(void) {\n");
    for n in &names {
        writeln!(c, "    printf(\"const {n}=%lld\\n\", (long long) ({n}));").unwrap();
    }
    for (s, fields) in STRUCTS {
        writeln!(c, "    printf(\"sizeof {s}=%zu\\n\", sizeof({s}));").unwrap();
        writeln!(c, "    printf(\"alignof {s}=%zu\\n\", _Alignof({s}));").unwrap();
        for f in *fields {
            writeln!(
                c,
                "    printf(\"offsetof {s}.{f}=%zu\\n\", offsetof({s}, {f}));"
            )
            .unwrap();
            writeln!(
                c,
                "    printf(\"sizeof {s}.{f}=%zu\\n\", sizeof((({s} *) 0)->{f}));"
            )
            .unwrap();
        }
    }
    for t in TYPES {
        writeln!(
            c,
            "    printf(\"sizeof {t}=%zu\\nsigned {t}=%d\\n\", sizeof({t}), (int) (({t}) -1 < ({t}) 0));"
        )
        .unwrap();
    }
    c.push_str("    behaviour();\n    return 0;\n}\n");
    (c, names)
}

fn build_and_run(dir: &Path, name: &str, args: &[&str]) -> String {
    let exe = dir.join(name);
    let out = Command::new("gcc")
        .args(args)
        .arg("-o")
        .arg(&exe)
        .arg(dir.join("probe.c"))
        .output()
        .expect("gcc runs");
    assert!(
        out.status.success(),
        "building the probe with {name} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new(&exe).output().expect("the probe runs");
    assert!(run.status.success());
    String::from_utf8(run.stdout).unwrap()
}

fn gcc_include() -> String {
    let out = Command::new("gcc")
        .arg("-print-file-name=include")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn parse(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| {
            l.rsplit_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

#[test]
fn headers_match_glibc() {
    let dir = std::env::temp_dir().join(format!("ukc-headers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (src, names) = probe_source();
    std::fs::write(dir.join("probe.c"), src).unwrap();
    let inc = include_dir();
    let gcc_inc = gcc_include();
    let theirs = build_and_run(&dir, "glibc", &["-O2", "-D_GNU_SOURCE"]);
    let ours_flags = [
        "-O2",
        "-Wall",
        "-Wextra",
        "-Werror",
        // The probe's own signedness checks compare unsigned values with 0.
        "-Wno-type-limits",
        // As apps are built (app-template/mk/c-app.mk).
        "-ffreestanding",
        "-nostdinc",
        "-isystem",
        gcc_inc.as_str(),
        "-I",
        inc.to_str().unwrap(),
    ];
    let ours = build_and_run(&dir, "ukc", &ours_flags);
    // Without optimisation the byte order macros are calls (to glibc's
    // functions here); the rest must not change.
    let mut o0 = ours_flags.to_vec();
    o0[0] = "-O0";
    let ours_o0 = build_and_run(&dir, "ukc-O0", &o0);
    let (t, o) = (parse(&theirs), parse(&ours));
    let mut wrong: Vec<String> = t
        .iter()
        .filter(|(k, v)| o.get(*k) != Some(v))
        .map(|(k, v)| format!("{k}: glibc {v}, ours {:?}", o.get(k)))
        .collect();
    wrong.extend(
        o.keys()
            .filter(|k| !t.contains_key(*k))
            .map(|k| format!("{k}: only ours")),
    );
    assert!(
        wrong.is_empty(),
        "our headers differ from glibc's:\n{}",
        wrong.join("\n")
    );
    assert_eq!(ours, ours_o0);
    // The probe covers what it should.
    assert!(names.len() > 250, "{} constants", names.len());
    for n in [
        "EAGAIN",
        "EINPROGRESS",
        "SOCK_NONBLOCK",
        "SO_RCVTIMEO",
        "AI_NUMERICSERV",
        "EAI_NONAME",
    ] {
        assert!(t.contains_key(&format!("const {n}")), "{n} is probed");
    }
    check_rust_side(&t);
    std::fs::remove_dir_all(&dir).ok();
}

/// Our headers also build as C99 and C11, and without `-D_GNU_SOURCE`
/// glibc would lack only GNU extras, not what apps need.
#[test]
fn headers_build_in_every_c_mode() {
    let dir = std::env::temp_dir().join(format!("ukc-headers-modes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut c = String::new();
    // Every order of first header, so each stands on its own.
    for h in HEADERS {
        writeln!(c, "#include <{h}>").unwrap();
    }
    c.push_str("#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <time.h>\n");
    c.push_str("int main(void) { fd_set s; FD_ZERO(&s); FD_SET(3, &s); return FD_ISSET(3, &s) ? 0 : htons(1); }\n");
    std::fs::write(dir.join("all.c"), &c).unwrap();
    let inc = include_dir();
    let gcc_inc = gcc_include();
    for std in ["-std=c99", "-std=c11", "-std=gnu17"] {
        for h in HEADERS {
            std::fs::write(dir.join("one.c"), format!("#include <{h}>\nint x;\n")).unwrap();
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
                "{h} alone, {std}:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let out = Command::new("gcc")
            .args([
                std,
                "-O2",
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
            .arg(dir.join("all.c"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "all headers, {std}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

fn check_rust_side(c: &BTreeMap<String, String>) {
    let mut wrong = Vec::new();
    let mut cmp = |key: String, rust: i128| match c.get(&key).map(|v| v.parse::<i128>().unwrap()) {
        Some(v) if v == rust => {}
        other => wrong.push(format!("{key}: Rust {rust}, glibc {other:?}")),
    };
    macro_rules! consts {
        ($($path:path => $c:literal),* $(,)?) => {
            $( cmp(format!("const {}", $c), $path as i128); )*
        };
    }
    consts!(
        net::AF_UNSPEC => "AF_UNSPEC", net::AF_UNIX => "AF_UNIX", net::AF_INET => "AF_INET",
        net::AF_INET6 => "AF_INET6", net::SOCK_STREAM => "SOCK_STREAM",
        net::SOCK_DGRAM => "SOCK_DGRAM", net::SOCK_RAW => "SOCK_RAW",
        net::SOCK_SEQPACKET => "SOCK_SEQPACKET", net::SOCK_DCCP => "SOCK_DCCP",
        net::SOCK_NONBLOCK => "SOCK_NONBLOCK", net::SOCK_CLOEXEC => "SOCK_CLOEXEC",
        net::IPPROTO_IP => "IPPROTO_IP", net::IPPROTO_ICMP => "IPPROTO_ICMP",
        net::IPPROTO_TCP => "IPPROTO_TCP", net::IPPROTO_UDP => "IPPROTO_UDP",
        net::IPPROTO_IPV6 => "IPPROTO_IPV6", net::IPPROTO_DCCP => "IPPROTO_DCCP",
        net::IPPROTO_SCTP => "IPPROTO_SCTP", net::IPPROTO_UDPLITE => "IPPROTO_UDPLITE",
        net::IPPROTO_RAW => "IPPROTO_RAW", net::SOL_SOCKET => "SOL_SOCKET",
        net::SO_REUSEADDR => "SO_REUSEADDR", net::SO_TYPE => "SO_TYPE",
        net::SO_ERROR => "SO_ERROR", net::SO_SNDBUF => "SO_SNDBUF",
        net::SO_RCVBUF => "SO_RCVBUF", net::SO_KEEPALIVE => "SO_KEEPALIVE",
        net::SO_RCVTIMEO => "SO_RCVTIMEO", net::SO_SNDTIMEO => "SO_SNDTIMEO",
        net::TCP_NODELAY => "TCP_NODELAY", net::MSG_OOB => "MSG_OOB",
        net::MSG_PEEK => "MSG_PEEK", net::MSG_DONTWAIT => "MSG_DONTWAIT",
        net::MSG_WAITALL => "MSG_WAITALL", net::MSG_NOSIGNAL => "MSG_NOSIGNAL",
        net::SHUT_RD => "SHUT_RD", net::SHUT_WR => "SHUT_WR", net::SHUT_RDWR => "SHUT_RDWR",
        net::POLLIN => "POLLIN", net::POLLPRI => "POLLPRI", net::POLLOUT => "POLLOUT",
        net::POLLERR => "POLLERR", net::POLLHUP => "POLLHUP", net::POLLNVAL => "POLLNVAL",
        net::F_DUPFD => "F_DUPFD", net::F_GETFD => "F_GETFD", net::F_SETFD => "F_SETFD",
        net::F_GETFL => "F_GETFL", net::F_SETFL => "F_SETFL", net::FD_CLOEXEC => "FD_CLOEXEC",
        net::O_NONBLOCK => "O_NONBLOCK", net::INADDR_ANY => "INADDR_ANY",
        net::INADDR_LOOPBACK => "INADDR_LOOPBACK", net::INADDR_NONE => "INADDR_NONE",
        net::INET_ADDRSTRLEN => "INET_ADDRSTRLEN", net::INET6_ADDRSTRLEN => "INET6_ADDRSTRLEN",
        net::FD_SETSIZE => "FD_SETSIZE",
        ai::AI_PASSIVE => "AI_PASSIVE", ai::AI_CANONNAME => "AI_CANONNAME",
        ai::AI_NUMERICHOST => "AI_NUMERICHOST", ai::AI_V4MAPPED => "AI_V4MAPPED",
        ai::AI_ALL => "AI_ALL", ai::AI_ADDRCONFIG => "AI_ADDRCONFIG", ai::AI_IDN => "AI_IDN",
        ai::AI_CANONIDN => "AI_CANONIDN", ai::AI_NUMERICSERV => "AI_NUMERICSERV",
        ai::EAI_BADFLAGS => "EAI_BADFLAGS", ai::EAI_NONAME => "EAI_NONAME",
        ai::EAI_AGAIN => "EAI_AGAIN", ai::EAI_FAIL => "EAI_FAIL", ai::EAI_NODATA => "EAI_NODATA",
        ai::EAI_FAMILY => "EAI_FAMILY", ai::EAI_SOCKTYPE => "EAI_SOCKTYPE",
        ai::EAI_SERVICE => "EAI_SERVICE", ai::EAI_ADDRFAMILY => "EAI_ADDRFAMILY",
        ai::EAI_MEMORY => "EAI_MEMORY", ai::EAI_SYSTEM => "EAI_SYSTEM",
        ai::EAI_OVERFLOW => "EAI_OVERFLOW", ai::EAI_INPROGRESS => "EAI_INPROGRESS",
        ai::EAI_CANCELED => "EAI_CANCELED", ai::EAI_NOTCANCELED => "EAI_NOTCANCELED",
        ai::EAI_ALLDONE => "EAI_ALLDONE", ai::EAI_INTR => "EAI_INTR",
        ai::EAI_IDN_ENCODE => "EAI_IDN_ENCODE",
        file::O_ACCMODE => "O_ACCMODE", file::O_RDONLY => "O_RDONLY", file::O_WRONLY => "O_WRONLY",
        file::O_RDWR => "O_RDWR", file::O_CREAT => "O_CREAT", file::O_EXCL => "O_EXCL",
        file::O_NOCTTY => "O_NOCTTY", file::O_TRUNC => "O_TRUNC", file::O_APPEND => "O_APPEND",
        file::O_NONBLOCK => "O_NONBLOCK", file::O_DSYNC => "O_DSYNC",
        file::O_DIRECTORY => "O_DIRECTORY", file::O_NOFOLLOW => "O_NOFOLLOW",
        file::O_CLOEXEC => "O_CLOEXEC", file::O_SYNC => "O_SYNC", file::O_TMPFILE => "O_TMPFILE",
        file::SEEK_SET => "SEEK_SET", file::SEEK_CUR => "SEEK_CUR", file::SEEK_END => "SEEK_END",
        file::F_OK => "F_OK", file::X_OK => "X_OK", file::W_OK => "W_OK", file::R_OK => "R_OK",
        file::F_DUPFD => "F_DUPFD", file::F_DUPFD_CLOEXEC => "F_DUPFD_CLOEXEC",
        file::S_IFMT => "S_IFMT", file::S_IFSOCK => "S_IFSOCK", file::S_IFLNK => "S_IFLNK",
        file::S_IFREG => "S_IFREG", file::S_IFBLK => "S_IFBLK", file::S_IFDIR => "S_IFDIR",
        file::S_IFCHR => "S_IFCHR", file::S_IFIFO => "S_IFIFO", file::S_ISUID => "S_ISUID",
        file::S_ISGID => "S_ISGID", file::S_ISVTX => "S_ISVTX", file::S_IRWXU => "S_IRWXU",
        file::S_IRUSR => "S_IRUSR", file::S_IWUSR => "S_IWUSR", file::S_IXUSR => "S_IXUSR",
        file::S_IRWXG => "S_IRWXG", file::S_IRGRP => "S_IRGRP", file::S_IWGRP => "S_IWGRP",
        file::S_IXGRP => "S_IXGRP", file::S_IRWXO => "S_IRWXO", file::S_IROTH => "S_IROTH",
        file::S_IWOTH => "S_IWOTH", file::S_IXOTH => "S_IXOTH",
        file::DT_UNKNOWN => "DT_UNKNOWN", file::DT_FIFO => "DT_FIFO", file::DT_CHR => "DT_CHR",
        file::DT_DIR => "DT_DIR", file::DT_BLK => "DT_BLK", file::DT_REG => "DT_REG",
        file::DT_LNK => "DT_LNK", file::DT_SOCK => "DT_SOCK",
        file::BUFSIZ => "BUFSIZ", file::FOPEN_MAX => "FOPEN_MAX",
        file::FILENAME_MAX => "FILENAME_MAX", file::L_TMPNAM => "L_tmpnam",
        file::IOFBF => "_IOFBF", file::IOLBF => "_IOLBF", file::IONBF => "_IONBF",
    );
    // Every errno number: the header's names are the Rust table's names.
    for e in 0..=140 {
        if let Some(name) = errno::strerror_name(e) {
            let name = std::str::from_utf8(name).unwrap();
            if name != "0" {
                cmp(format!("const {name}"), e as i128);
            }
        }
    }
    macro_rules! layout {
        ($rust:ty, $c:literal $(, $rf:ident => $cf:literal)* $(,)?) => {{
            cmp(format!("sizeof {}", $c), size_of::<$rust>() as i128);
            cmp(format!("alignof {}", $c), align_of::<$rust>() as i128);
            $( cmp(format!("offsetof {}.{}", $c, $cf), offset_of!($rust, $rf) as i128); )*
        }};
    }
    layout!(net::Sockaddr, "struct sockaddr", sa_family => "sa_family", sa_data => "sa_data");
    layout!(net::SockaddrStorage, "struct sockaddr_storage", ss_family => "ss_family");
    layout!(net::InAddr, "struct in_addr", s_addr => "s_addr");
    layout!(net::SockaddrIn, "struct sockaddr_in", sin_family => "sin_family",
        sin_port => "sin_port", sin_addr => "sin_addr", sin_zero => "sin_zero");
    cmp(
        "sizeof struct sockaddr_in6".into(),
        size_of::<net::SockaddrIn6>() as i128,
    );
    for (f, off) in [
        ("sin6_family", offset_of!(net::SockaddrIn6, sin6_family)),
        ("sin6_port", offset_of!(net::SockaddrIn6, sin6_port)),
        ("sin6_flowinfo", offset_of!(net::SockaddrIn6, sin6_flowinfo)),
        ("sin6_addr", offset_of!(net::SockaddrIn6, sin6_addr)),
        ("sin6_scope_id", offset_of!(net::SockaddrIn6, sin6_scope_id)),
    ] {
        cmp(format!("offsetof struct sockaddr_in6.{f}"), off as i128);
    }
    layout!(net::Addrinfo, "struct addrinfo", ai_flags => "ai_flags", ai_family => "ai_family",
        ai_socktype => "ai_socktype", ai_protocol => "ai_protocol", ai_addrlen => "ai_addrlen",
        ai_addr => "ai_addr", ai_canonname => "ai_canonname", ai_next => "ai_next");
    layout!(net::Pollfd, "struct pollfd", fd => "fd", events => "events", revents => "revents");
    layout!(net::Timeval, "struct timeval", tv_sec => "tv_sec", tv_usec => "tv_usec");
    layout!(net::FdSet, "fd_set");
    layout!(file::Stat, "struct stat", st_dev => "st_dev", st_ino => "st_ino",
        st_nlink => "st_nlink", st_mode => "st_mode", st_uid => "st_uid", st_gid => "st_gid",
        st_rdev => "st_rdev", st_size => "st_size", st_blksize => "st_blksize",
        st_blocks => "st_blocks", st_atim => "st_atim", st_mtim => "st_mtim",
        st_ctim => "st_ctim");
    layout!(file::Dirent, "struct dirent", d_ino => "d_ino", d_off => "d_off",
        d_reclen => "d_reclen", d_type => "d_type", d_name => "d_name");
    layout!(file::Timespec, "struct timespec", tv_sec => "tv_sec", tv_nsec => "tv_nsec");
    assert!(
        wrong.is_empty(),
        "the Rust side differs from glibc:\n{}",
        wrong.join("\n")
    );

    // FD_SET's effect matches FdSet's.
    let mut s = net::FdSet::default();
    for d in [
        0, 1, 2, 63, 64, 65, 127, 128, 500, 511, 512, 1000, 1022, 1023,
    ] {
        s.set(d);
    }
    let bytes: String = s
        .fds_bits
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(c["fd_set"], bytes);
    s.clear(64);
    s.clear(1023);
    s.clear(3);
    let bytes: String = s
        .fds_bits
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(c["fd_clr"], bytes);
}
