//! Paths as apps give them: absolute or relative to the app's working
//! directory, with `.`, `..`, repeated and trailing slashes, resolved to
//! the components of an absolute path. There are no symbolic links, so
//! this is all resolution needs.
use super::vfs::NAME_MAX;
use crate::errno::Errno;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// The longest path an app may pass, with its NUL (Linux's PATH_MAX).
pub const PATH_MAX: usize = 4096;

/// An absolute path, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// From the root; empty is `/`.
    pub components: Vec<String>,
    /// The path ended in `/` (or `/.`): it must name a directory.
    pub dir_only: bool,
}

impl Resolved {
    /// `/a/b` form.
    #[cfg(test)]
    pub fn display(&self) -> String {
        join(&self.components)
    }
}

/// `/a/b` from components (`/` for none).
pub fn join<S: AsRef<str>>(components: &[S]) -> String {
    if components.is_empty() {
        return "/".to_string();
    }
    let mut s = String::new();
    for c in components {
        s.push('/');
        s.push_str(c.as_ref());
    }
    s
}

/// Resolves `path` against the working directory `cwd` (itself absolute
/// and resolved). `..` at the root stays at the root, as on Linux.
pub fn resolve(cwd: &[String], path: &str) -> Result<Resolved, Errno> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    if path.len() >= PATH_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    let mut components: Vec<String> = if path.starts_with('/') {
        Vec::new()
    } else {
        cwd.to_vec()
    };
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                components.pop();
            }
            name if name.len() > NAME_MAX => return Err(Errno::ENAMETOOLONG),
            name => components.push(name.to_string()),
        }
    }
    // "a/b" ends in a name; "a/b/", "a/." and "a/.." in a directory.
    let ends_in_name = !path.ends_with('/')
        && !path.ends_with("/.")
        && !path.ends_with("/..")
        && path != "."
        && path != "..";
    Ok(Resolved {
        components,
        dir_only: !ends_in_name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cwd(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    fn r(c: &[&str], p: &str) -> (String, bool) {
        let x = resolve(&cwd(c), p).unwrap();
        (x.display(), x.dir_only)
    }

    #[test]
    fn absolute_and_relative_paths_resolve() {
        assert_eq!(r(&[], "/"), ("/".into(), true));
        assert_eq!(r(&["data"], "x.txt"), ("/data/x.txt".into(), false));
        assert_eq!(r(&["data"], "/tmp/x"), ("/tmp/x".into(), false));
        assert_eq!(r(&["data", "a"], "../b//c"), ("/data/b/c".into(), false));
        assert_eq!(r(&["data"], "./x/./y"), ("/data/x/y".into(), false));
        assert_eq!(r(&[], "/../../etc"), ("/etc".into(), false));
        assert_eq!(r(&["a"], "."), ("/a".into(), true));
        assert_eq!(r(&["a", "b"], ".."), ("/a".into(), true));
    }

    #[test]
    fn a_trailing_slash_or_dot_asks_for_a_directory() {
        assert_eq!(r(&[], "/data/"), ("/data".into(), true));
        assert_eq!(r(&[], "/data/."), ("/data".into(), true));
        assert_eq!(r(&[], "/data/x/.."), ("/data".into(), true));
        assert_eq!(r(&[], "/data//"), ("/data".into(), true));
        assert_eq!(r(&[], "/data"), ("/data".into(), false));
    }

    #[test]
    fn bad_paths_get_linuxs_errors() {
        assert_eq!(resolve(&[], ""), Err(Errno::ENOENT));
        let long = "a".repeat(NAME_MAX + 1);
        assert_eq!(resolve(&[], &long), Err(Errno::ENAMETOOLONG));
        assert!(resolve(&[], &"a".repeat(NAME_MAX)).is_ok());
        let deep = "/ab".repeat(PATH_MAX / 3 + 1);
        assert_eq!(resolve(&[], &deep), Err(Errno::ENAMETOOLONG));
    }

    #[test]
    fn join_writes_absolute_paths() {
        assert_eq!(join::<&str>(&[]), "/");
        assert_eq!(join(&["a", "b"]), "/a/b");
    }
}
