//! `FileTree::parse` on arbitrary bytes: a 4-byte little-endian page
//! number (where the tree entry starts in its bundle), then the entry's
//! bytes. No panic; a tree that parses is consistent (every node found by
//! its path, file data page-aligned inside the entry), and rebuilding it
//! with `TreeBuilder` gives the same bytes (the format is canonical).
#![no_main]
use libfuzzer_sys::fuzz_target;
use ukrt_loader::bundle::PAGE;
use ukrt_loader::tree::{FileTree, Node, TreeBuilder};

fuzz_target!(|data: &[u8]| {
    let Some((page, region)) = data.split_first_chunk::<4>() else {
        return;
    };
    let base = u32::from_le_bytes(*page) as u64 * PAGE;
    let t = match FileTree::parse(region, base) {
        Ok(t) => t,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let mut rebuilt = TreeBuilder::new();
    let walk = t.walk();
    assert_eq!(walk.len(), t.node_count());
    for (path, node) in &walk {
        assert_eq!(t.resolve(path), Some(*node), "{path}");
        assert_eq!(t.path(node.id()), *path);
        let parts: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
        assert_eq!(t.lookup(&parts), Some(*node));
        match node {
            Node::Dir(_) => rebuilt.add_dir(&parts).unwrap(),
            Node::File {
                data,
                offset_in_bundle,
                ..
            } => {
                if !data.is_empty() {
                    assert_eq!(offset_in_bundle % PAGE, 0);
                    let at = (offset_in_bundle - base) as usize;
                    assert_eq!(*data, &region[at..at + data.len()]);
                }
                rebuilt.add_file(&parts, data.to_vec()).unwrap();
            }
        }
    }
    assert!(rebuilt.encode(base) == region, "parse and rebuild differ");
});
