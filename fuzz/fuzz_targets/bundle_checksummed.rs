//! The input as a bundle whose CRC-32 is fixed up before parsing, so the
//! fuzzer reaches the structural checks behind the checksum (seeds are
//! valid bundles). For bundles that parse: the files, the manifest, and a
//! rebuild with `BundleBuilder` that must parse to the same contents
//! (file tree included).
#![no_main]
use libfuzzer_sys::fuzz_target;
use ukrt_fuzz::fix_checksum;
use ukrt_loader::bundle::{Bundle, BundleBuilder, PAGE};
use ukrt_loader::manifest;

fuzz_target!(|data: &[u8]| {
    let mut bytes = data.to_vec();
    fix_checksum(&mut bytes);
    let b = match Bundle::parse(&bytes) {
        Ok(b) => b,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let stored = u32::from_le_bytes(bytes[40..44].try_into().unwrap());
    assert_eq!(b.checksum(), stored);
    let mut end = PAGE;
    for f in b.files() {
        // In table order, page-aligned, after page 0 and each other.
        assert!(f.offset >= end && f.offset % PAGE == 0, "{f:?}");
        let at = f.offset as usize;
        assert_eq!(f.data, &bytes[at..at + f.data.len()]);
        assert_eq!(f.first_page(), f.offset / PAGE);
        assert_eq!(f.page_count(), (f.data.len() as u64).div_ceil(PAGE));
        assert_eq!(b.file(f.name), Some(f));
        end = f.offset + f.data.len() as u64;
    }
    match manifest::parse(b.manifest_text()) {
        Ok(apps) => {
            if let Err(e) = manifest::check_files(&apps, &b) {
                let _ = e.to_string();
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }

    let mut rebuilt = BundleBuilder::new();
    for f in b.files() {
        rebuilt.add_file(f.name, f.data.to_vec()).unwrap();
    }
    if let Some(t) = b.tree() {
        // The tree as the packer would add it: same paths and contents.
        let mut tree = ukrt_loader::tree::TreeBuilder::new();
        for (path, node) in t.walk().into_iter().skip(1) {
            let parts: Vec<&str> = path.split('/').skip(1).collect();
            match node {
                ukrt_loader::tree::Node::Dir(_) => tree.add_dir(&parts).unwrap(),
                ukrt_loader::tree::Node::File { data, .. } => {
                    tree.add_file(&parts, data.to_vec()).unwrap()
                }
            }
        }
        rebuilt.set_tree(tree).unwrap();
    }
    rebuilt.set_manifest(b.manifest_text());
    let again = rebuilt.build();
    let r = Bundle::parse(&again).unwrap();
    assert!(r
        .files()
        .map(|f| (f.name, f.data))
        .eq(b.files().map(|f| (f.name, f.data))));
    assert_eq!(r.manifest_text(), b.manifest_text());
    let walk = |t: Option<ukrt_loader::tree::FileTree>| {
        t.map(|t| {
            t.walk()
                .into_iter()
                .map(|(p, n)| (p, n.size()))
                .collect::<Vec<_>>()
        })
    };
    assert_eq!(walk(r.tree()), walk(b.tree()));
});
