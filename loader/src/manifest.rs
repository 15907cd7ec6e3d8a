//! The manifest: the text in a bundle that says which apps to start.
//!
//! ```text
//! # comment
//! app hello hello.so
//! app web   httpd.so --port 8080 "--motd=hello there" "say \"hi\""
//! ```
//!
//! One directive per line: `app <name> <file> [args...]`, and at most one
//! `files <dir>` (for the packer: the host folder whose tree the guest sees
//! at `/`, relative to the manifest's folder; the runtime skips the line).
//! Words are separated by spaces or tabs. A double-quoted part of a word may
//! hold spaces, tabs and `#`; inside quotes `\"` and `\\` are the only
//! escapes (outside quotes a backslash is an ordinary character). Quoted and
//! unquoted parts next to each other form one word (`--name="a b"`), and `""`
//! is an empty word. Outside quotes, `#` starts a comment that runs to the
//! end of the line. Blank lines are ignored; a trailing `\r` is dropped.
//!
//! App names are non-empty and use only `A-Z a-z 0-9 _ . -`; each is used
//! once. `file` is the name of a file in the bundle (see
//! [`crate::bundle::validate_name`]); `args` are the arguments after the
//! program name. Apps start in line order.

use crate::bundle::{validate_name, Bundle, NameError};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use hashbrown::HashMap;

/// One `app` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSpec {
    pub name: String,
    /// The bundle file to run.
    pub file: String,
    /// Arguments after the program name.
    pub args: Vec<String>,
    /// The stack's size (`stack=SIZE`); `None`: the default
    /// ([`crate::layout::STACK_SIZE`]).
    pub stack: Option<u64>,
    /// The most heap the app may have (`heap=SIZE`); `None`: as much as
    /// the domain's memory gives ([`crate::layout::HEAP_MAX`]).
    pub heap: Option<u64>,
}

/// The stack sizes `stack=SIZE` may give: 64 KiB to 32 MiB (what the slot
/// has room for above its objects).
pub const STACK_SIZES: core::ops::RangeInclusive<u64> = (64 << 10)..=(32 << 20);
/// The heap limits `heap=SIZE` may give: 1 MiB to the slot's heap room.
pub const HEAP_SIZES: core::ops::RangeInclusive<u64> = (1 << 20)..=crate::layout::HEAP_MAX;

/// A manifest error and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    /// 1-based line number; 0 when the error is not about one line
    /// ([`ManifestErrorKind::NoApps`], [`ManifestErrorKind::MissingFile`]).
    pub line: usize,
    pub kind: ManifestErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestErrorKind {
    UnknownDirective(String),
    MissingAppName,
    MissingFileName {
        app: String,
    },
    UnterminatedQuote,
    /// A backslash in quotes followed by something other than `"` or `\`
    /// (`None`: by the end of the line).
    BadEscape(Option<char>),
    DuplicateAppName {
        name: String,
        first_line: usize,
    },
    BadAppName(String),
    BadFileName {
        file: String,
        reason: NameError,
    },
    NoApps,
    /// `files` without its folder.
    MissingFilesDir,
    /// `files` with more than one word after it (`count` words).
    FilesExtraWords {
        count: usize,
    },
    /// A second `files` line.
    DuplicateFiles {
        first_line: usize,
    },
    /// A `KEY=VALUE` word before an app's name that is not a setting.
    UnknownSetting(String),
    /// A setting whose value is not allowed, and why.
    BadSetting {
        word: String,
        reason: &'static str,
    },
    /// From [`check_files`]: the app's file is not in the bundle.
    MissingFile {
        app: String,
        file: String,
    },
}

impl fmt::Display for ManifestErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ManifestErrorKind::*;
        match self {
            UnknownDirective(d) => {
                write!(
                    f,
                    "unknown directive {d:?} (the directives are \"app\" and \"files\")"
                )
            }
            MissingAppName => f.write_str("missing app name (expected: app NAME FILE [ARGS...])"),
            MissingFileName { app } => write!(f, "missing file name for app {app:?}"),
            UnterminatedQuote => f.write_str("unterminated quote"),
            BadEscape(Some(c)) => write!(
                f,
                "unknown escape \"\\{}\" in quotes (only \\\" and \\\\ are escapes)",
                c.escape_debug()
            ),
            BadEscape(None) => f.write_str("backslash at the end of the line inside quotes"),
            DuplicateAppName { name, first_line } => {
                write!(
                    f,
                    "duplicate app name {name:?} (first used on line {first_line})"
                )
            }
            BadAppName(name) => write!(
                f,
                "bad app name {name:?} (use only letters, digits, '_', '.' and '-')"
            ),
            BadFileName { file, reason } => write!(f, "bad file name {file:?}: {reason}"),
            NoApps => f.write_str("no apps"),
            UnknownSetting(w) => write!(
                f,
                "unknown setting {w:?} (the settings before an app's name are stack=SIZE and heap=SIZE)"
            ),
            BadSetting { word, reason } => write!(f, "bad setting {word:?}: {reason}"),
            MissingFilesDir => f.write_str("missing folder (expected: files DIR)"),
            FilesExtraWords { count } => write!(
                f,
                "files takes one folder, not {count} words (quote a name with spaces)"
            ),
            DuplicateFiles { first_line } => write!(
                f,
                "a second files line (the first is line {first_line}; an image has one tree)"
            ),
            MissingFile { app, file } => {
                write!(
                    f,
                    "app {app:?} needs file {file:?}, which is not in the bundle"
                )
            }
        }
    }
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "manifest: {}", self.kind)
        } else {
            write!(f, "manifest line {}: {}", self.line, self.kind)
        }
    }
}

impl core::error::Error for ManifestError {}

/// Whether `name` is a valid app name.
pub fn is_valid_app_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// Splits one line (without its newline) into words, dropping any comment.
fn split_words(line: &str) -> Result<Vec<String>, ManifestErrorKind> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                if in_word {
                    words.push(core::mem::take(&mut word));
                    in_word = false;
                }
            }
            '#' => break,
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        None => return Err(ManifestErrorKind::UnterminatedQuote),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e @ ('"' | '\\')) => word.push(e),
                            other => return Err(ManifestErrorKind::BadEscape(other)),
                        },
                        Some(c) => word.push(c),
                    }
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// A `files DIR` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilesSpec {
    /// The folder as written (the packer takes it relative to the
    /// manifest's folder).
    pub dir: String,
    /// Its 1-based line number.
    pub line: usize,
}

/// Everything a manifest says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub apps: Vec<AppSpec>,
    pub files: Option<FilesSpec>,
}

/// Parses a manifest into its apps, in start order (a `files` line is
/// checked, then left to the packer: see [`parse_manifest`]).
pub fn parse(text: &str) -> Result<Vec<AppSpec>, ManifestError> {
    parse_manifest(text).map(|m| m.apps)
}

/// Parses a manifest: its apps and its `files` line.
/// A size setting: a number of bytes, or of KiB, MiB or GiB with `K`, `M`
/// or `G` after it, rounded up to whole pages, within `range` (`what`
/// names the range in the error).
fn size_setting(
    value: &str,
    range: core::ops::RangeInclusive<u64>,
    what: &'static str,
) -> Result<u64, &'static str> {
    let (digits, unit) = match value.as_bytes().last() {
        Some(b'K' | b'k') => (&value[..value.len() - 1], 1 << 10),
        Some(b'M' | b'm') => (&value[..value.len() - 1], 1 << 20),
        Some(b'G' | b'g') => (&value[..value.len() - 1], 1 << 30),
        _ => (value, 1),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(
            "the size is a number of bytes, or of KiB, MiB or GiB with K, M or G after it (stack=16M)",
        );
    }
    // All digits: a number too big for u64 is out of range too.
    let n: u64 = digits.parse().map_err(|_| what)?;
    let bytes = n
        .checked_mul(unit)
        .and_then(|b| b.checked_next_multiple_of(4096))
        .filter(|b| range.contains(b));
    bytes.ok_or(what)
}

pub fn parse_manifest(text: &str) -> Result<Manifest, ManifestError> {
    let mut apps: Vec<AppSpec> = Vec::new();
    let mut files: Option<FilesSpec> = None;
    // App name -> the line it was first used on: one lookup per line, so
    // a manifest with many apps is checked in linear time.
    let mut first_lines: HashMap<String, usize> = HashMap::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line = i + 1;
        let err = |kind| ManifestError { line, kind };
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let mut words = split_words(raw).map_err(err)?.into_iter();
        let Some(directive) = words.next() else {
            continue;
        };
        if directive == "files" {
            let rest: Vec<String> = words.collect();
            let dir = match rest.as_slice() {
                [dir] if !dir.is_empty() => dir.clone(),
                [] | [_] => return Err(err(ManifestErrorKind::MissingFilesDir)),
                _ => {
                    return Err(err(ManifestErrorKind::FilesExtraWords {
                        count: rest.len(),
                    }))
                }
            };
            if let Some(first) = &files {
                return Err(err(ManifestErrorKind::DuplicateFiles {
                    first_line: first.line,
                }));
            }
            files = Some(FilesSpec { dir, line });
            continue;
        }
        if directive != "app" {
            return Err(err(ManifestErrorKind::UnknownDirective(directive)));
        }
        let (mut stack, mut heap) = (None, None);
        let mut name = words.next().ok_or(err(ManifestErrorKind::MissingAppName))?;
        // Settings (KEY=VALUE) come before the name: names have no '='.
        while let Some((key, value)) = name.split_once('=') {
            let (setting, range, what) = match key {
                "stack" => (&mut stack, STACK_SIZES, "a stack is 64K to 32M"),
                "heap" => (&mut heap, HEAP_SIZES, "a heap limit is 1M to 63G"),
                _ => return Err(err(ManifestErrorKind::UnknownSetting(name))),
            };
            *setting = Some(size_setting(value, range, what).map_err(|reason| {
                err(ManifestErrorKind::BadSetting {
                    word: name.clone(),
                    reason,
                })
            })?);
            name = words.next().ok_or(err(ManifestErrorKind::MissingAppName))?;
        }
        if !is_valid_app_name(&name) {
            return Err(err(ManifestErrorKind::BadAppName(name)));
        }
        let Some(file) = words.next() else {
            return Err(err(ManifestErrorKind::MissingFileName { app: name }));
        };
        if let Err(reason) = validate_name(&file) {
            return Err(err(ManifestErrorKind::BadFileName { file, reason }));
        }
        if let Some(&first_line) = first_lines.get(&name) {
            return Err(err(ManifestErrorKind::DuplicateAppName {
                name,
                first_line,
            }));
        }
        first_lines.insert(name.clone(), line);
        apps.push(AppSpec {
            name,
            file,
            args: words.collect(),
            stack,
            heap,
        });
    }
    if apps.is_empty() {
        return Err(ManifestError {
            line: 0,
            kind: ManifestErrorKind::NoApps,
        });
    }
    Ok(Manifest { apps, files })
}

/// Checks that every app's file is in `bundle`.
pub fn check_files(apps: &[AppSpec], bundle: &Bundle<'_>) -> Result<(), ManifestError> {
    match apps.iter().find(|a| bundle.file(&a.file).is_none()) {
        None => Ok(()),
        Some(a) => Err(ManifestError {
            line: 0,
            kind: ManifestErrorKind::MissingFile {
                app: a.name.clone(),
                file: a.file.clone(),
            },
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::BundleBuilder;
    use alloc::string::ToString;
    use alloc::vec;
    use ManifestErrorKind as K;

    #[test]
    fn heap_settings() {
        let m = parse("app heap=64M stack=1M a a.so\napp heap=63G b b.so\napp c c.so").unwrap();
        assert_eq!((m[0].heap, m[0].stack), (Some(64 << 20), Some(1 << 20)));
        assert_eq!(m[1].heap, Some(63 << 30));
        assert_eq!(m[2].heap, None);
        let e = |t: &str| parse(t).unwrap_err().to_string();
        assert_eq!(
            e("app heap=64G a a.so"),
            "manifest line 1: bad setting \"heap=64G\": a heap limit is 1M to 63G"
        );
        assert_eq!(
            e("app heap=512K a a.so"),
            "manifest line 1: bad setting \"heap=512K\": a heap limit is 1M to 63G"
        );
    }

    #[test]
    fn stack_settings() {
        let m = parse("app stack=16M big big.so -x\napp stack=100000 small s.so\napp plain p.so")
            .unwrap();
        assert_eq!(m[0].stack, Some(16 << 20));
        assert_eq!(m[0].name, "big");
        assert_eq!(m[0].args, ["-x"]);
        assert_eq!(m[1].stack, Some(102400), "rounded up to pages");
        assert_eq!(m[2].stack, None);
        assert_eq!(parse("app stack=64K a a.so").unwrap()[0].stack, Some(65536));
        assert_eq!(
            parse("app stack=32m a a.so").unwrap()[0].stack,
            Some(32 << 20)
        );
        let e = |t: &str| parse(t).unwrap_err().to_string();
        assert_eq!(
            e("app stack=1G a a.so"),
            "manifest line 1: bad setting \"stack=1G\": a stack is 64K to 32M"
        );
        assert_eq!(
            e("app stack=4K a a.so"),
            "manifest line 1: bad setting \"stack=4K\": a stack is 64K to 32M"
        );
        assert!(e("app stack=lots a a.so").contains("the size is a number of bytes"));
        assert!(e("app stack=99999999999999999999M a a.so").contains("a stack is 64K to 32M"));
        assert_eq!(
            e("app brk=1M a a.so"),
            "manifest line 1: unknown setting \"brk=1M\" (the settings before an app's name are stack=SIZE and heap=SIZE)"
        );
        assert_eq!(
            e("app stack=1M"),
            "manifest line 1: missing app name (expected: app NAME FILE [ARGS...])"
        );
        // After the name, words with '=' are the app's arguments.
        assert_eq!(parse("app a a.so stack=1M").unwrap()[0].args, ["stack=1M"]);
    }

    fn app(name: &str, file: &str, args: &[&str]) -> AppSpec {
        AppSpec {
            name: name.into(),
            file: file.into(),
            args: args.iter().map(|a| a.to_string()).collect(),
            stack: None,
            heap: None,
        }
    }

    fn err(text: &str) -> ManifestError {
        parse(text).expect_err("manifest parsed")
    }

    #[test]
    fn apps_in_line_order() {
        let text = "# the apps\n\napp hello hello.so\n  \t\napp web_2 httpd.so --port 8080   # comment\r\napp x.y-z a.so\n";
        assert_eq!(
            parse(text).unwrap(),
            vec![
                app("hello", "hello.so", &[]),
                app("web_2", "httpd.so", &["--port", "8080"]),
                app("x.y-z", "a.so", &[]),
            ]
        );
    }

    #[test]
    fn quoting() {
        let text = r#"app a a.so "two words" "tab	and # hash" 'single' "say \"hi\"" "back\\slash" "" --k="v w"x plain\n"#;
        assert_eq!(
            parse(text).unwrap()[0].args,
            [
                "two words",
                "tab\tand # hash",
                "'single'",
                "say \"hi\"",
                "back\\slash",
                "",
                "--k=v wx",
                "plain\\n"
            ]
        );
        // Quotes work in every position; a quoted name is still checked.
        assert_eq!(
            parse("\"app\" \"a\" \"a.so\"").unwrap(),
            vec![app("a", "a.so", &[])]
        );
        assert_eq!(err("app \"a b\" a.so").kind, K::BadAppName("a b".into()));
    }

    #[test]
    fn unterminated_quote() {
        let e = err("app a a.so\napp b b.so \"open\n");
        assert_eq!(
            e,
            ManifestError {
                line: 2,
                kind: K::UnterminatedQuote
            }
        );
        assert_eq!(e.to_string(), "manifest line 2: unterminated quote");
        assert_eq!(
            err("app a a.so \"ends in escape\\\"").kind,
            K::UnterminatedQuote
        );
    }

    #[test]
    fn bad_escape() {
        let e = err("app a a.so \"x\\n\"");
        assert_eq!(e.kind, K::BadEscape(Some('n')));
        assert_eq!(
            e.to_string(),
            "manifest line 1: unknown escape \"\\n\" in quotes (only \\\" and \\\\ are escapes)"
        );
        assert_eq!(err("app a a.so \"x\\").kind, K::BadEscape(None));
    }

    #[test]
    fn unknown_directive() {
        let e = err("# apps\n\nap hello hello.so\n");
        assert_eq!(
            e,
            ManifestError {
                line: 3,
                kind: K::UnknownDirective("ap".into())
            }
        );
        assert_eq!(
            e.to_string(),
            "manifest line 3: unknown directive \"ap\" (the directives are \"app\" and \"files\")"
        );
        assert_eq!(err("App a a.so").kind, K::UnknownDirective("App".into()));
    }

    #[test]
    fn missing_names() {
        assert_eq!(err("app").kind, K::MissingAppName);
        let e = err("app hello   # no file\n");
        assert_eq!(
            e.kind,
            K::MissingFileName {
                app: "hello".into()
            }
        );
        assert_eq!(
            e.to_string(),
            "manifest line 1: missing file name for app \"hello\""
        );
    }

    #[test]
    fn bad_app_names() {
        for name in ["a/b", "a:b", "héllo", "a+b", "\"\""] {
            let e = err(&alloc::format!("app {name} a.so"));
            let expected = if name == "\"\"" { "" } else { name };
            assert_eq!(e.kind, K::BadAppName(expected.into()), "{name}");
        }
        assert_eq!(
            err("app a/b a.so").to_string(),
            "manifest line 1: bad app name \"a/b\" (use only letters, digits, '_', '.' and '-')"
        );
    }

    #[test]
    fn bad_file_names() {
        let e = err("app a lib/a.so");
        assert_eq!(
            e.kind,
            K::BadFileName {
                file: "lib/a.so".into(),
                reason: NameError::ContainsSlash
            }
        );
        assert_eq!(
            e.to_string(),
            "manifest line 1: bad file name \"lib/a.so\": it contains '/'"
        );
        assert_eq!(
            err("app a \"a b.so\"").kind,
            K::BadFileName {
                file: "a b.so".into(),
                reason: NameError::ContainsWhitespace
            }
        );
        assert_eq!(
            err("app a \"\"").kind,
            K::BadFileName {
                file: "".into(),
                reason: NameError::Empty
            }
        );
    }

    #[test]
    fn duplicate_app_name() {
        let e = err("app x a.so\n\napp y b.so\napp x c.so\n");
        assert_eq!(
            e,
            ManifestError {
                line: 4,
                kind: K::DuplicateAppName {
                    name: "x".into(),
                    first_line: 1
                }
            }
        );
        assert_eq!(
            e.to_string(),
            "manifest line 4: duplicate app name \"x\" (first used on line 1)"
        );
    }

    #[test]
    fn fifty_thousand_apps() {
        // A header comment, then one app per line: app k is on line k + 2.
        let mut text = String::from("# many apps\n");
        for i in 0..50_000 {
            text.push_str(&alloc::format!("app a{i} f{}.so --n {i}\n", i % 7));
        }
        let apps = parse(&text).unwrap();
        assert_eq!(apps.len(), 50_000);
        assert_eq!(apps[0], app("a0", "f0.so", &["--n", "0"]));
        assert_eq!(apps[49_999], app("a49999", "f5.so", &["--n", "49999"]));
        // A repeat of app 31337 at the end names the line it was first on.
        text.push_str("app a31337 g.so\n");
        assert_eq!(
            err(&text),
            ManifestError {
                line: 50_002,
                kind: K::DuplicateAppName {
                    name: "a31337".into(),
                    first_line: 31_339
                }
            }
        );
    }

    #[test]
    fn files_line() {
        let m = parse_manifest("app a a.so\n# data\nfiles \"my data\"  # the tree\n").unwrap();
        assert_eq!(m.apps, vec![app("a", "a.so", &[])]);
        assert_eq!(
            m.files,
            Some(FilesSpec {
                dir: "my data".into(),
                line: 3
            })
        );
        // parse() checks the line and leaves it out; the runtime uses it.
        assert_eq!(
            parse("files root\napp a a.so").unwrap(),
            vec![app("a", "a.so", &[])]
        );
        assert_eq!(parse_manifest("app a a.so").unwrap().files, None);
        let e = err("app a a.so\nfiles\n");
        assert_eq!(
            e,
            ManifestError {
                line: 2,
                kind: K::MissingFilesDir
            }
        );
        assert_eq!(
            e.to_string(),
            "manifest line 2: missing folder (expected: files DIR)"
        );
        assert_eq!(err("files \"\"\napp a a.so").kind, K::MissingFilesDir);
        let e = err("files a b\napp a a.so");
        assert_eq!(e.kind, K::FilesExtraWords { count: 2 });
        assert_eq!(
            e.to_string(),
            "manifest line 1: files takes one folder, not 2 words (quote a name with spaces)"
        );
        let e = err("files a\napp a a.so\nfiles b\n");
        assert_eq!(
            e,
            ManifestError {
                line: 3,
                kind: K::DuplicateFiles { first_line: 1 }
            }
        );
        assert_eq!(
            e.to_string(),
            "manifest line 3: a second files line (the first is line 1; an image has one tree)"
        );
        // A files line is not an app.
        assert_eq!(err("files a\n").kind, K::NoApps);
    }

    #[test]
    fn no_apps() {
        for text in ["", "\n\n", "# only a comment\n   \t  \n"] {
            let e = err(text);
            assert_eq!(
                e,
                ManifestError {
                    line: 0,
                    kind: K::NoApps
                }
            );
            assert_eq!(e.to_string(), "manifest: no apps");
        }
    }

    #[test]
    fn files_are_checked_against_the_bundle() {
        let mut b = BundleBuilder::new();
        b.add_file("hello.so", vec![1, 2, 3]).unwrap();
        b.add_file("libc.so", vec![4]).unwrap();
        let bytes = b.build();
        let bundle = Bundle::parse(&bytes).unwrap();
        let apps = parse("app hello hello.so\napp b libc.so").unwrap();
        assert_eq!(check_files(&apps, &bundle), Ok(()));
        let apps = parse("app hello hello.so\napp x y.so").unwrap();
        let e = check_files(&apps, &bundle).unwrap_err();
        assert_eq!(
            e.kind,
            K::MissingFile {
                app: "x".into(),
                file: "y.so".into()
            }
        );
        assert_eq!(
            e.to_string(),
            "manifest: app \"x\" needs file \"y.so\", which is not in the bundle"
        );
    }
}
