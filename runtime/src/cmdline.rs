//! The guest command line: words separated by white space. Words that start
//! with `uk.` are options for the runtime (`uk.stats`, `uk.name=value`). Of
//! the other words, those of the form `NAME=VALUE` with an upper-case NAME
//! (letters, digits, `_`) that come before the first other word are the
//! apps' environment (`getenv`); the rest are the apps' arguments, in order.

/// A runtime option word, `uk.<key>` or `uk.<key>=<value>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuntimeOption<'a> {
    pub key: &'a str,
    pub value: Option<&'a str>,
}

const PREFIX: &str = "uk.";

/// A parsed view of the command line.
#[derive(Debug, Clone, Copy)]
pub struct Cmdline<'a> {
    text: &'a str,
}

impl<'a> Cmdline<'a> {
    pub fn new(text: &'a str) -> Self {
        Self { text }
    }

    /// The runtime's options, in order.
    pub fn runtime_options(&self) -> impl Iterator<Item = RuntimeOption<'a>> + 'a {
        self.text.split_whitespace().filter_map(|w| {
            let rest = w.strip_prefix(PREFIX)?;
            Some(match rest.split_once('=') {
                Some((key, value)) => RuntimeOption {
                    key,
                    value: Some(value),
                },
                None => RuntimeOption {
                    key: rest,
                    value: None,
                },
            })
        })
    }

    /// Whether runtime option `key` is present (with or without a value).
    pub fn has_option(&self, key: &str) -> bool {
        self.runtime_options().any(|o| o.key == key)
    }

    /// The app's arguments: every word that is not a runtime option.
    pub fn app_args(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.text
            .split_whitespace()
            .filter(|w| !w.starts_with(PREFIX))
    }

    /// The leading `NAME=VALUE` words of `app_args`.
    pub fn environment(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.app_args().take_while(|w| is_env_word(w))
    }

    /// `app_args` after the environment words.
    pub fn arguments(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.app_args().skip_while(|w| is_env_word(w))
    }
}

/// `NAME=VALUE` with NAME of upper-case letters, digits and `_`, not
/// starting with a digit.
pub fn is_env_word(w: &str) -> bool {
    match w.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_runtime_options_from_app_args() {
        let c = Cmdline::new("  uk.stats exit=3  uk.log=debug hello   world ");
        let opts: Vec<_> = c.runtime_options().collect();
        assert_eq!(
            opts,
            [
                RuntimeOption {
                    key: "stats",
                    value: None
                },
                RuntimeOption {
                    key: "log",
                    value: Some("debug")
                }
            ]
        );
        assert!(c.has_option("stats"));
        assert!(!c.has_option("stat"));
        assert_eq!(
            c.app_args().collect::<Vec<_>>(),
            ["exit=3", "hello", "world"]
        );
    }

    #[test]
    fn environment_words_come_first_and_are_upper_case() {
        let c = Cmdline::new("HOME=/ LANG_2=C uk.stats exit=3 PATH=/bin x");
        assert_eq!(c.environment().collect::<Vec<_>>(), ["HOME=/", "LANG_2=C"]);
        assert_eq!(
            c.arguments().collect::<Vec<_>>(),
            ["exit=3", "PATH=/bin", "x"]
        );
        assert!(!is_env_word("2X=1") && !is_env_word("=1") && !is_env_word("lower=1"));
        assert!(is_env_word("EMPTY="));
    }

    #[test]
    fn empty_line_has_nothing() {
        let c = Cmdline::new("");
        assert_eq!(c.runtime_options().count(), 0);
        assert_eq!(c.app_args().count(), 0);
    }
}
