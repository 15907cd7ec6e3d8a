//! `Bundle::parse` and `peek_total_size` on arbitrary bytes: no panic, and
//! what parses is consistent with the header.
#![no_main]
use libfuzzer_sys::fuzz_target;
use ukrt_loader::bundle::{peek_total_size, validate_name, Bundle, MAGIC, PAGE};

fuzz_target!(|data: &[u8]| {
    let peek = peek_total_size(data);
    if data.len() >= 24 && data.starts_with(&MAGIC) {
        let total = u64::from_le_bytes(data[16..24].try_into().unwrap());
        assert_eq!(peek, Some(total));
    } else {
        assert_eq!(peek, None);
    }
    match Bundle::parse(data) {
        Ok(b) => {
            assert_eq!(peek, Some(b.total_size()));
            assert!(b.total_size() as usize <= data.len());
            assert_eq!(b.total_size() % PAGE, 0);
            for f in b.files() {
                assert!(validate_name(f.name).is_ok());
                assert!(f.offset >= PAGE && f.offset % PAGE == 0);
            }
            let _ = format!("{b:?}");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
