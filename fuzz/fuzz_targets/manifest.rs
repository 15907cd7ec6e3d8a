//! `manifest::parse` on arbitrary UTF-8; for manifests that parse, the
//! invariants the runtime relies on, a quote-and-reparse round trip, and
//! `check_files` against a small bundle.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ukrt_fuzz::{utf8_prefix, BUNDLE_FILES, SMALL_BUNDLE};
use ukrt_loader::bundle::{validate_name, Bundle};
use ukrt_loader::manifest::{check_files, is_valid_app_name, parse, AppSpec};

/// A word quoted the way the manifest reads it back.
fn quote(w: &str) -> String {
    let mut s = String::from("\"");
    for c in w.chars() {
        if c == '"' || c == '\\' {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('"');
    s
}

fn render(apps: &[AppSpec]) -> String {
    let mut out = String::new();
    for a in apps {
        let words = [&a.name, &a.file].into_iter().chain(&a.args);
        out.push_str("app");
        if let Some(bytes) = a.stack {
            // Parsed sizes are whole pages in range: written back in bytes,
            // they parse to the same size.
            out.push_str(&format!(" stack={bytes}"));
        }
        for w in words {
            out.push(' ');
            out.push_str(&quote(w));
        }
        out.push('\n');
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let text = utf8_prefix(data);
    let apps = match parse(text) {
        Ok(apps) => apps,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    assert!(!apps.is_empty());
    for (i, a) in apps.iter().enumerate() {
        assert!(is_valid_app_name(&a.name), "{a:?}");
        assert!(validate_name(&a.file).is_ok(), "{a:?}");
        assert!(apps[..i].iter().all(|b| b.name != a.name), "{a:?} twice");
        // Lines split at '\n', so no word can hold one.
        assert!(a.args.iter().all(|w| !w.contains('\n')), "{a:?}");
        if let Some(bytes) = a.stack {
            assert!(
                ukrt_loader::manifest::STACK_SIZES.contains(&bytes) && bytes.is_multiple_of(4096),
                "{a:?}"
            );
        }
    }
    // Every word survives being quoted and parsed again.
    assert_eq!(parse(&render(&apps)).as_ref(), Ok(&apps));

    let bundle = Bundle::parse(&SMALL_BUNDLE).unwrap();
    let all_present = apps.iter().all(|a| BUNDLE_FILES.contains(&a.file.as_str()));
    match check_files(&apps, &bundle) {
        Ok(()) => assert!(all_present),
        Err(e) => {
            assert!(!all_present, "{e}");
            let _ = e.to_string();
        }
    }
});
