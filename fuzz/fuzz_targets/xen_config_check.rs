//! xen-config: `check` on arbitrary text (the kernel it names is a small
//! ukrt image), and a generate -> check round trip: an input with NUL bytes
//! is split at them into name, kernel path and extra; whatever `for_image`
//! accepts, `check` must accept and `parse` must read back as written.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ukrt_fuzz::{utf8_prefix, IMAGE};
use xen_config::{check, parse, DomainConfig, Value};

fuzz_target!(|data: &[u8]| {
    let text = utf8_prefix(data);
    let image = |_: &str| Ok(IMAGE.clone());
    for e in check(text, image) {
        let _ = e.to_string();
    }

    // Only inputs with a NUL are round trips: the image is parsed twice
    // per round trip, which is slow with per-byte instrumentation.
    if !text.contains('\0') {
        return;
    }
    let mut parts = text.splitn(3, '\0');
    let (name, kernel, extra) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let Ok(c) = DomainConfig::for_image(name, kernel, &IMAGE, extra) else {
        return;
    };
    let _ = c.to_libvirt_xml();
    let xl = c.to_xl();
    let errors = check(&xl, image);
    assert!(errors.is_empty(), "{xl}\n{errors:?}");
    let entries = parse(&xl).unwrap();
    let get = |k: &str| entries.iter().find(|(_, key, _)| key == k).map(|e| &e.2);
    assert_eq!(get("name"), Some(&Value::Str(name.into())));
    assert_eq!(get("kernel"), Some(&Value::Str(kernel.into())));
    assert_eq!(get("extra"), Some(&Value::Str(extra.into())));
});
