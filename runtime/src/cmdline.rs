//! The guest command line: words separated by white space. Words that start
//! with `uk.` are options for the runtime (`uk.stats`, `uk.name=value`); all
//! other words are the app's arguments, in order.

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
    fn empty_line_has_nothing() {
        let c = Cmdline::new("");
        assert_eq!(c.runtime_options().count(), 0);
        assert_eq!(c.app_args().count(), 0);
    }
}
