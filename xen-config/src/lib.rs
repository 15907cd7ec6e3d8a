//! xen-config: the xl domain configuration for a ukrt image.
//!
//! - [`DomainConfig::for_image`] derives a config from an image: its name,
//!   the kernel, and the memory its bundle needs ([`memory_for`]).
//! - [`check`] validates a config a user edited: unknown or misspelt keys,
//!   wrong types, memory below what the image needs, a kernel that is not a
//!   ukrt image; each error names the line.
use std::fmt::Write;

/// The smallest memory a ukrt domain gets (MiB).
pub const MEMORY_FLOOR_MIB: u32 = 32;
/// The runtime's own share: image, page tables, kernel heap, boot structures.
pub const RUNTIME_MIB: u64 = 16;
/// Per app: stack, arguments, data and a first heap, rounded up generously.
pub const PER_APP_MIB: u64 = 4;

/// Memory for an image whose bundle is `bundle_bytes` with `apps` apps:
/// `max(32, 16 + ceil(bundle / 1 MiB) + 4 × apps)` MiB.
pub fn memory_for(bundle_bytes: u64, apps: usize) -> u32 {
    let mib = RUNTIME_MIB + bundle_bytes.div_ceil(1 << 20) + PER_APP_MIB * apps as u64;
    (mib as u32).max(MEMORY_FLOOR_MIB)
}

/// What a domain needs to be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainConfig {
    pub name: String,
    pub kernel: String,
    pub memory_mib: u32,
    pub vcpus: u32,
    pub cmdline: String,
}

/// The image's bundle: (total bytes, number of apps).
pub fn image_needs(image: &[u8]) -> Result<(u64, usize), String> {
    if !ukrt_loader::image::is_ukrt_kernel(image) {
        return Err("not a ukrt kernel image (no .bundle section)".into());
    }
    let elf = ukrt_loader::image::bundle_bytes(image).ok_or("the image carries no bundle")?;
    let bundle = ukrt_loader::bundle::Bundle::parse(elf).map_err(|e| format!("its bundle: {e}"))?;
    let apps = ukrt_loader::manifest::parse(bundle.manifest_text())
        .map_err(|e| format!("its bundle: {e}"))?;
    Ok((bundle.total_size(), apps.len()))
}

/// Checks that `value` (of `what`, an option or key) can go into an xl
/// config string. xl's strings cannot hold a raw newline (it would end the
/// string and start a new setting), and a control character could only be
/// written as an escape, so none is accepted.
pub fn check_xl_text(what: &str, value: &str) -> Result<(), String> {
    match value.chars().find(|c| c.is_control()) {
        None => Ok(()),
        Some(c) => Err(format!(
            "{what}: the control character {c:?} (U+{:04X}) cannot go into an xl config string",
            c as u32
        )),
    }
}

impl DomainConfig {
    /// The config for `image` (at path `kernel`), named `name`.
    pub fn for_image(
        name: &str,
        kernel: &str,
        image: &[u8],
        cmdline: &str,
    ) -> Result<Self, String> {
        check_xl_text("name", name)?;
        check_xl_text("kernel", kernel)?;
        check_xl_text("extra", cmdline)?;
        let (bytes, apps) = image_needs(image)?;
        Ok(DomainConfig {
            name: name.into(),
            kernel: kernel.into(),
            memory_mib: memory_for(bytes, apps),
            vcpus: 1,
            cmdline: cmdline.into(),
        })
    }

    /// Renders the config in xl's syntax. The strings must pass
    /// [`check_xl_text`] (as [`DomainConfig::for_image`] makes sure).
    pub fn to_xl(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "# xl config for the ukrt image {}", self.name);
        let _ = writeln!(s, "name = {}", quote(&self.name));
        let _ = writeln!(s, "type = \"pv\"");
        let _ = writeln!(s, "kernel = {}", quote(&self.kernel));
        let _ = writeln!(s, "memory = {}", self.memory_mib);
        let _ = writeln!(s, "vcpus = {}", self.vcpus);
        let _ = writeln!(s, "extra = {}", quote(&self.cmdline));
        let _ = writeln!(s, "on_poweroff = \"destroy\"");
        let _ = writeln!(s, "on_reboot = \"restart\"");
        let _ = writeln!(s, "on_crash = \"preserve\"");
        s
    }
}

impl DomainConfig {
    /// The same domain as libvirt domain XML (Xen PV, for `virsh create`).
    pub fn to_libvirt_xml(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "<domain type='xen'>");
        let _ = writeln!(s, "  <name>{}</name>", xml(&self.name));
        let _ = writeln!(s, "  <memory unit='MiB'>{}</memory>", self.memory_mib);
        let _ = writeln!(s, "  <vcpu>{}</vcpu>", self.vcpus);
        let _ = writeln!(s, "  <os>");
        let _ = writeln!(s, "    <type arch='x86_64' machine='xenpv'>linux</type>");
        let _ = writeln!(s, "    <kernel>{}</kernel>", xml(&self.kernel));
        let _ = writeln!(s, "    <cmdline>{}</cmdline>", xml(&self.cmdline));
        let _ = writeln!(s, "  </os>");
        let _ = writeln!(s, "  <on_poweroff>destroy</on_poweroff>");
        let _ = writeln!(s, "  <on_reboot>restart</on_reboot>");
        let _ = writeln!(s, "  <on_crash>preserve</on_crash>");
        let _ = writeln!(s, "  <devices>");
        let _ = writeln!(
            s,
            "    <console type='pty'><target type='xen' port='0'/></console>"
        );
        let _ = writeln!(s, "  </devices>");
        let _ = writeln!(s, "</domain>");
        s
    }
}

/// Text for XML element content and attributes.
fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&apos;")
        .replace('"', "&quot;")
}

/// An xl string literal: double quotes, with `\` and `"` escaped (xl reads
/// `\\` and `\"` back as the character; everything else but control
/// characters, which [`check_xl_text`] refuses, stands for itself).
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Str,
    Int,
    Action,
}

/// The keys a ukrt domain's config may use, and their types.
const KEYS: &[(&str, Kind)] = &[
    ("name", Kind::Str),
    ("type", Kind::Str),
    ("kernel", Kind::Str),
    ("ramdisk", Kind::Str),
    ("memory", Kind::Int),
    ("maxmem", Kind::Int),
    ("vcpus", Kind::Int),
    ("extra", Kind::Str),
    ("cmdline", Kind::Str),
    ("uuid", Kind::Str),
    ("on_poweroff", Kind::Action),
    ("on_reboot", Kind::Action),
    ("on_crash", Kind::Action),
    ("on_watchdog", Kind::Action),
];

const ACTIONS: &[&str] = &[
    "destroy",
    "restart",
    "rename-restart",
    "preserve",
    "coredump-destroy",
    "coredump-restart",
    "soft-reset",
];

/// One error in a config, with its line (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + (ca != *cb) as usize)
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A parsed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Str(String),
    Int(i64),
}

/// Why a value could not be read.
enum BadValue {
    Unreadable,
    /// A backslash escape xl does not read as one character.
    Escape(char),
}

/// Reads a value: a string in double or single quotes, or a number.
fn parse_value(raw: &str) -> Result<Value, BadValue> {
    let raw = raw.trim();
    for q in ['"', '\''] {
        if let Some(inner) = raw.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return unquote(inner, q).map(Value::Str);
        }
    }
    raw.parse()
        .map(Value::Int)
        .map_err(|_| BadValue::Unreadable)
}

/// A value written without quotes that reads as a word (`name = web`),
/// which xl cannot parse: the user meant a string.
fn is_bare_word(raw: &str) -> bool {
    !raw.is_empty()
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:".contains(c))
}

/// The text of a string literal quoted with `q`, decoded as xl does: both
/// kinds of quotes take the same backslash escapes. xl silently drops
/// unknown escapes and its `\x` and octal escapes do not give the character
/// (libxlu's dequote), so those are errors here.
fn unquote(inner: &str, q: char) -> Result<String, BadValue> {
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        out.push(match c {
            '\\' => match chars.next().ok_or(BadValue::Unreadable)? {
                e @ ('"' | '\'' | '\\') => e,
                'a' => '\x07',
                'b' => '\x08',
                'f' => '\x0c',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                'v' => '\x0b',
                e => return Err(BadValue::Escape(e)),
            },
            c if c == q => return Err(BadValue::Unreadable),
            c => c,
        });
    }
    Ok(out)
}

/// `line` without its comment: xl starts one at a `#` outside quoted
/// strings; inside one, `#` is part of the string.
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    let mut chars = line.char_indices();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (None, '#') => return &line[..i],
            (None, '"' | '\'') => quote = Some(c),
            (Some(_), '\\') => {
                chars.next(); // the escaped character, whatever it is
            }
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
    }
    line
}

/// Parses `text` (xl syntax: `key = value` lines, `#` comments outside
/// quoted strings) into (line, key, value), checking keys and types.
pub fn parse(text: &str) -> Result<Vec<(usize, String, Value)>, Vec<ConfigError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut first_line = std::collections::HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let code = strip_comment(line).trim();
        if code.is_empty() {
            continue;
        }
        let Some((key, raw)) = code.split_once('=') else {
            errors.push(ConfigError {
                line: n,
                message: format!("expected `key = value`, found {code:?}"),
            });
            continue;
        };
        let key = key.trim();
        let Some(&(_, kind)) = KEYS.iter().find(|(k, _)| *k == key) else {
            let near = KEYS
                .iter()
                .map(|(k, _)| (edit_distance(key, k), *k))
                .min()
                .filter(|(d, _)| *d <= 2);
            let hint = near
                .map(|(_, k)| format!(" (did you mean {k:?}?)"))
                .unwrap_or_default();
            errors.push(ConfigError {
                line: n,
                message: format!("unknown key {key:?}{hint}"),
            });
            continue;
        };
        let value = match parse_value(raw) {
            Ok(v) => v,
            Err(bad) => {
                let message = match bad {
                    BadValue::Unreadable if kind != Kind::Int && is_bare_word(raw.trim()) => {
                        let word = raw.trim();
                        format!("{key} = {word}: strings need quotes: {key} = \"{word}\"")
                    }
                    BadValue::Unreadable => {
                        format!("{key}: cannot read the value {:?}", raw.trim())
                    }
                    BadValue::Escape(e) => format!(
                        "{key}: unsupported escape \"\\{e}\" (xl reads only \\\" \\' \\\\ \\a \\b \\f \\n \\r \\t \\v)"
                    ),
                };
                errors.push(ConfigError { line: n, message });
                continue;
            }
        };
        let ok = match (kind, &value) {
            (Kind::Str, Value::Str(_)) | (Kind::Int, Value::Int(_)) => true,
            (Kind::Action, Value::Str(s)) => ACTIONS.contains(&s.as_str()),
            _ => false,
        };
        if !ok {
            let want = match kind {
                Kind::Str => "a quoted string".to_string(),
                Kind::Int => "a whole number".to_string(),
                Kind::Action => format!("one of {ACTIONS:?}"),
            };
            errors.push(ConfigError {
                line: n,
                message: format!("{key} must be {want}"),
            });
            continue;
        }
        if let Some(first) = first_line.get(key) {
            // xl takes the last one silently; an edited config that sets a
            // key twice is almost always a mistake.
            errors.push(ConfigError {
                line: n,
                message: format!(
                    "{key} is set again (first on line {first}; xl would use this one)"
                ),
            });
            continue;
        }
        first_line.insert(key, n);
        out.push((n, key.to_string(), value));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Checks an edited config. `read_kernel` reads the file the `kernel` key
/// names (relative to the config's folder, as xl does).
pub fn check(
    text: &str,
    read_kernel: impl Fn(&str) -> std::io::Result<Vec<u8>>,
) -> Vec<ConfigError> {
    let entries = match parse(text) {
        Ok(e) => e,
        Err(errors) => return errors,
    };
    let mut errors = Vec::new();
    let get = |k: &str| entries.iter().find(|(_, key, _)| key == k);
    for required in ["name", "kernel", "memory"] {
        if get(required).is_none() {
            errors.push(ConfigError {
                line: 0,
                message: format!("missing {required}"),
            });
        }
    }
    if let Some((n, _, Value::Str(t))) = get("type") {
        if t != "pv" {
            errors.push(ConfigError {
                line: *n,
                message: format!("type is {t:?}; ukrt images are PV kernels: type = \"pv\""),
            });
        }
    }
    if let Some((n, _, Value::Str(kernel))) = get("kernel") {
        match read_kernel(kernel) {
            Err(e) => errors.push(ConfigError {
                line: *n,
                message: format!("kernel {kernel:?}: cannot read: {e}"),
            }),
            Ok(image) => match image_needs(&image) {
                Err(e) => errors.push(ConfigError {
                    line: *n,
                    message: format!("kernel {kernel:?}: {e}"),
                }),
                Ok((bytes, apps)) => {
                    let need = memory_for(bytes, apps);
                    if let Some((m, _, Value::Int(mem))) = get("memory") {
                        if *mem < need as i64 {
                            errors.push(ConfigError {
                                line: *m,
                                message: format!(
                                    "memory = {mem} MiB is below the {need} MiB this image needs ({apps} apps, {} KiB bundle)",
                                    bytes / 1024
                                ),
                            });
                        }
                    }
                }
            },
        }
    }
    if let Some((n, _, Value::Int(v))) = get("vcpus") {
        if *v != 1 {
            errors.push(ConfigError {
                line: *n,
                message: format!("vcpus = {v}: the runtime uses one vCPU"),
            });
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_an_xl_config() {
        let c = DomainConfig {
            name: "hello".into(),
            kernel: "/srv/hello.xen".into(),
            memory_mib: 32,
            vcpus: 1,
            cmdline: "say \"hi\"".into(),
        };
        let xl = c.to_xl();
        assert!(xl.contains("type = \"pv\"\n"));
        assert!(xl.contains("kernel = \"/srv/hello.xen\"\n"));
        assert!(xl.contains("memory = 32\n"));
        assert!(xl.contains("extra = \"say \\\"hi\\\"\"\n"));
        // What it renders, it reads back.
        let parsed = parse(&xl).unwrap();
        assert!(parsed.contains(&(7, "extra".into(), Value::Str("say \"hi\"".into()))));
    }

    /// Strings that need care in xl's syntax: `#`, quotes, backslashes,
    /// `=`, non-ASCII text.
    const NASTY: &[&str] = &[
        "a#b",
        "x=\"y\"",
        "back\\slash",
        "trailing\\",
        "it's",
        "# \" ' \\ #",
        "ünïcödé → ✓",
        "",
    ];

    #[test]
    fn generated_strings_read_back_as_written() {
        for &extra in NASTY {
            let c = DomainConfig {
                name: "nasty".into(),
                kernel: "/srv/a#b.xen".into(),
                memory_mib: 32,
                vcpus: 1,
                cmdline: extra.into(),
            };
            let parsed = parse(&c.to_xl()).unwrap_or_else(|e| panic!("{extra:?}: {e:?}"));
            let get = |k: &str| {
                parsed
                    .iter()
                    .find(|(_, key, _)| key == k)
                    .unwrap()
                    .2
                    .clone()
            };
            assert_eq!(get("extra"), Value::Str(extra.into()), "{extra:?}");
            assert_eq!(get("kernel"), Value::Str("/srv/a#b.xen".into()));
        }
    }

    fn value(line: &str) -> Result<Value, String> {
        match parse(line) {
            Ok(v) => Ok(v[0].2.clone()),
            Err(e) => Err(e[0].to_string()),
        }
    }

    #[test]
    fn reads_strings_as_xl_does() {
        let s = |v: &str| Ok(Value::Str(v.into()));
        // '#' in a quoted string is part of it; after it, a comment.
        assert_eq!(value("extra = \"a#b\" # note"), s("a#b"));
        assert_eq!(value("extra = 'a#b'#note"), s("a#b"));
        assert_eq!(value("name = \"x\" # a \"quoted\" comment"), s("x"));
        // Escapes, in both kinds of quotes.
        assert_eq!(value(r#"extra = "say \"hi\"""#), s("say \"hi\""));
        assert_eq!(value(r#"extra = 'it\'s'"#), s("it's"));
        assert_eq!(value(r#"extra = "a\\b\'c""#), s("a\\b'c"));
        assert_eq!(value(r#"extra = "t\tn\n""#), s("t\tn\n"));
        // xl drops unknown escapes and does not decode \x or octal ones.
        for e in ["q", "x41", "101"] {
            assert_eq!(
                value(&format!("extra = \"a\\{e}\"")),
                Err(format!(
                    "line 1: extra: unsupported escape \"\\{}\" (xl reads only \\\" \\' \\\\ \\a \\b \\f \\n \\r \\t \\v)",
                    &e[..1]
                ))
            );
        }
        // An unescaped quote inside, or none at the end.
        for bad in [r#""a"b""#, r#""abc\""#, "\"abc", "'a'b'"] {
            assert_eq!(
                value(&format!("extra = {bad}")),
                Err(format!("line 1: extra: cannot read the value {bad:?}"))
            );
        }
    }

    #[test]
    fn control_characters_are_refused_by_name() {
        assert_eq!(check_xl_text("--extra", "a b\u{e9}"), Ok(()));
        assert_eq!(
            check_xl_text("--extra", "a\nkernel = \"evil\""),
            Err(
                "--extra: the control character '\\n' (U+000A) cannot go into an xl config string"
                    .into()
            )
        );
        assert_eq!(
            check_xl_text("--name", "x\u{7f}"),
            Err("--name: the control character '\\u{7f}' (U+007F) cannot go into an xl config string".into())
        );
        // for_image refuses them before it looks at the image.
        assert_eq!(
            DomainConfig::for_image("a\rb", "k.xen", b"", ""),
            Err(
                "name: the control character '\\r' (U+000D) cannot go into an xl config string"
                    .into()
            )
        );
        assert_eq!(
            DomainConfig::for_image("a", "k.xen", b"", "\tx").unwrap_err(),
            "extra: the control character '\\t' (U+0009) cannot go into an xl config string"
        );
    }

    #[test]
    fn renders_libvirt_xml_with_escaping() {
        let c = DomainConfig {
            name: "a<b".into(),
            kernel: "/srv/x.xen".into(),
            memory_mib: 48,
            vcpus: 1,
            cmdline: "K=V & 'q'".into(),
        };
        let x = c.to_libvirt_xml();
        assert!(x.starts_with(
            "<domain type='xen'>\n  <name>a&lt;b</name>\n  <memory unit='MiB'>48</memory>\n"
        ));
        assert!(x.contains("<type arch='x86_64' machine='xenpv'>linux</type>"));
        assert!(x.contains("<cmdline>K=V &amp; &apos;q&apos;</cmdline>"));
        assert!(x.ends_with("</domain>\n"));
    }

    #[test]
    fn memory_formula_has_a_floor() {
        assert_eq!(memory_for(4096, 1), 32);
        assert_eq!(memory_for(20 << 20, 4), 16 + 20 + 16);
        assert_eq!(memory_for((20 << 20) + 1, 4), 16 + 21 + 16);
    }

    #[test]
    fn errors_name_the_line() {
        let text = "name = \"x\"\nmemroy = 64\nvcpus = \"two\"\non_crash = \"explode\"\nkernel \"k\"\nfoo = 1\n";
        let errors = parse(text).unwrap_err();
        let msgs: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            msgs,
            [
                "line 2: unknown key \"memroy\" (did you mean \"memory\"?)",
                "line 3: vcpus must be a whole number",
                "line 4: on_crash must be one of [\"destroy\", \"restart\", \"rename-restart\", \"preserve\", \"coredump-destroy\", \"coredump-restart\", \"soft-reset\"]",
                "line 5: expected `key = value`, found \"kernel \\\"k\\\"\"",
                "line 6: unknown key \"foo\"",
            ]
        );
    }

    #[test]
    fn a_key_set_twice_and_an_unquoted_string_are_named() {
        let text = "name = web\nmemory = 64\non_crash = preserve\nmemory = 128\nvcpus = 1\n";
        let msgs: Vec<String> = parse(text)
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(
            msgs,
            [
                "line 1: name = web: strings need quotes: name = \"web\"",
                "line 3: on_crash = preserve: strings need quotes: on_crash = \"preserve\"",
                "line 4: memory is set again (first on line 2; xl would use this one)",
            ]
        );
        // A number where a number belongs, and a quoted word, are fine.
        assert!(parse("name = \"web\"\nmemory = 64\n").is_ok());
        // Text that is not a word is unreadable, not "needs quotes".
        assert_eq!(
            parse("name = a b\n").unwrap_err()[0].to_string(),
            "line 1: name: cannot read the value \"a b\""
        );
    }

    #[test]
    fn a_kernel_that_is_not_a_ukrt_image_is_named() {
        let text = "name = \"x\"\nkernel = \"/bin/sh\"\nmemory = 64\ntype = \"hvm\"\n";
        let errors = check(text, |_| Ok(b"\x7fELF not really".to_vec()));
        let msgs: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert!(
            msgs.contains(
                &"line 4: type is \"hvm\"; ukrt images are PV kernels: type = \"pv\"".to_string()
            ),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("line 2: kernel \"/bin/sh\": not a ukrt kernel image")),
            "{msgs:?}"
        );
        let errors = check("name = \"x\"\nkernel = \"nope\"\nmemory = 64\n", |_| {
            Err(std::io::Error::other("gone"))
        });
        assert_eq!(
            errors[0].to_string(),
            "line 2: kernel \"nope\": cannot read: gone"
        );
        assert_eq!(
            check("kernel = \"k\"\n", |_| Err(std::io::Error::other("x")))[0].to_string(),
            "line 0: missing name"
        );
    }
}
