//! xen-config: the xl domain configuration for a ukrt image.
//!
//! Generates the config `xl create` takes for an image (name, PV type, kernel,
//! memory, command line, lifecycle actions). Validation of edited configs and
//! the memory formula from an image's manifest come with the deploy work.
use core::fmt::Write;

/// What a domain needs to be created.
#[derive(Debug, Clone)]
pub struct DomainConfig {
    pub name: String,
    pub kernel: String,
    pub memory_mib: u32,
    pub vcpus: u32,
    pub cmdline: String,
}

impl DomainConfig {
    /// Renders the config in xl's syntax.
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

/// An xl string literal: double quotes, with `\` and `"` escaped.
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
    }
}
