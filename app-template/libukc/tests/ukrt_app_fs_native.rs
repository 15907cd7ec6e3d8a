//! ukrt-app's `fs` and `io` modules (app-template/ukrt-app/src/fs.rs,
//! io.rs), built on the host against glibc's file functions (which have
//! the C ABI libukc gives apps) and exercised in a fresh directory under
//! the temp dir: files with every open option, reading, writing, seeking,
//! metadata, directories, renames, removal, and errors with their errno
//! and kind. std::fs looks at the results from the side.
extern crate alloc;

#[allow(dead_code)]
#[path = "../../ukrt-app/src/fs.rs"]
mod fs;
#[allow(dead_code)]
#[path = "../../ukrt-app/src/io.rs"]
mod io;

use io::{ErrorKind, Read, Seek, SeekFrom, Write};

struct Dir(String);
impl Dir {
    fn new(tag: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("ukrt-app-fs-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Dir(d.to_str().unwrap().to_string())
    }
    fn at(&self, name: &str) -> String {
        format!("{}/{name}", self.0)
    }
}
impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn files_read_write_seek_and_options() {
    let d = Dir::new("files");
    let p = d.at("a.txt");
    let mut f = fs::File::create(&p).unwrap();
    writeln!(f, "hello {}", 42).unwrap();
    f.write_all(b"second line\n").unwrap();
    assert_eq!(f.stream_position().unwrap(), 21);
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        "hello 42\nsecond line\n"
    );
    let m = f.metadata().unwrap();
    assert!(m.is_file() && !m.is_dir() && m.len() == 21);
    f.set_len(5).unwrap();
    f.sync_all().unwrap();
    f.sync_data().unwrap();
    assert_eq!(fs::metadata(&p).unwrap().len(), 5);
    drop(f);

    let mut f = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&p)
        .unwrap();
    assert_eq!(f.seek(SeekFrom::End(-2)).unwrap(), 3);
    f.write_all(b"P!").unwrap();
    f.rewind().unwrap();
    let mut s = String::new();
    f.read_to_string(&mut s).unwrap();
    assert_eq!(s, "helP!");
    let mut two = [0u8; 2];
    f.seek(SeekFrom::Start(1)).unwrap();
    f.read_exact(&mut two).unwrap();
    assert_eq!(&two, b"el");
    f.seek(SeekFrom::Current(-1)).unwrap();
    (&f).read_exact(&mut two).unwrap();
    assert_eq!(&two, b"lP");
    let mut rest = [0u8; 10];
    assert_eq!(
        f.read_exact(&mut rest).unwrap_err().kind(),
        ErrorKind::UnexpectedEof
    );
    assert_eq!(
        f.seek(SeekFrom::Current(-100)).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    drop(f);

    // Append, create_new, truncate.
    let mut f = fs::OpenOptions::new().append(true).open(&p).unwrap();
    f.seek(SeekFrom::Start(0)).unwrap();
    f.write_all(b"++").unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), b"helP!++");
    let e = fs::File::create_new(&p).unwrap_err();
    assert_eq!(
        (e.kind(), e.raw_os_error()),
        (ErrorKind::AlreadyExists, Some(17))
    );
    let mut n = fs::File::create_new(&d.at("new.txt")).unwrap();
    n.write_all(b"x").unwrap();
    n.rewind().unwrap();
    let mut v = Vec::new();
    n.read_to_end(&mut v).unwrap();
    assert_eq!(v, b"x");
    fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&p)
        .unwrap();
    assert_eq!(fs::metadata(&p).unwrap().len(), 0);
    // std's rules on options that do not go together.
    for o in [
        fs::OpenOptions::new().clone(),
        fs::OpenOptions::new().read(true).create(true).clone(),
        fs::OpenOptions::new().append(true).truncate(true).clone(),
    ] {
        assert_eq!(
            o.open(&p).unwrap_err().kind(),
            ErrorKind::InvalidInput,
            "{o:?}"
        );
    }
    // Reading a write-only file, writing a read-only one.
    let mut w = fs::OpenOptions::new().write(true).open(&p).unwrap();
    assert_eq!(w.read(&mut two).unwrap_err().raw_os_error(), Some(9));
    let mut r = fs::File::open(&p).unwrap();
    assert_eq!(r.write(b"x").unwrap_err().raw_os_error(), Some(9));
    assert!(fs::metadata(&p).unwrap().modified().unwrap().as_secs() > 1_600_000_000);
    // 0o666 less the umask: the owner can read and write.
    assert_eq!(fs::metadata(&p).unwrap().mode() & 0o700, 0o600);
}

#[test]
fn helpers_directories_and_errors() {
    let d = Dir::new("dirs");
    fs::write(&d.at("one.txt"), "one\n").unwrap();
    fs::write(&d.at("two.bin"), [0u8, 159, 146, 150]).unwrap();
    assert_eq!(fs::read(&d.at("two.bin")).unwrap(), [0, 159, 146, 150]);
    assert_eq!(fs::read_to_string(&d.at("one.txt")).unwrap(), "one\n");
    assert_eq!(
        fs::read_to_string(&d.at("two.bin")).unwrap_err().kind(),
        ErrorKind::InvalidData
    );
    assert_eq!(fs::copy(&d.at("one.txt"), &d.at("copy.txt")).unwrap(), 4);

    fs::create_dir(&d.at("sub")).unwrap();
    assert_eq!(
        fs::create_dir(&d.at("sub")).unwrap_err().kind(),
        ErrorKind::AlreadyExists
    );
    fs::create_dir_all(&d.at("deep/er/est/")).unwrap();
    fs::create_dir_all(&d.at("deep/er")).unwrap();
    assert!(fs::metadata(&d.at("deep/er/est")).unwrap().is_dir());
    fs::write(&d.at("deep/er/file"), "f").unwrap();
    assert_eq!(
        fs::create_dir_all(&d.at("deep/er/file/x"))
            .unwrap_err()
            .kind(),
        ErrorKind::NotADirectory
    );

    let mut names: Vec<(String, bool)> = fs::read_dir(&d.0)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            assert_eq!(e.path(), d.at(e.file_name()));
            assert_eq!(
                e.metadata().unwrap().is_dir(),
                e.file_type().unwrap().is_dir()
            );
            (e.file_name().to_string(), e.file_type().unwrap().is_dir())
        })
        .collect();
    names.sort();
    let want: Vec<(String, bool)> = [
        ("copy.txt", false),
        ("deep", true),
        ("one.txt", false),
        ("sub", true),
        ("two.bin", false),
    ]
    .iter()
    .map(|(n, d)| (n.to_string(), *d))
    .collect();
    assert_eq!(names, want);
    // The same as std sees.
    let mut theirs: Vec<String> = std::fs::read_dir(&d.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    theirs.sort();
    assert_eq!(
        theirs,
        names.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>()
    );

    fs::rename(&d.at("one.txt"), &d.at("sub/moved.txt")).unwrap();
    assert!(!fs::exists(&d.at("one.txt")).unwrap());
    assert!(fs::exists(&d.at("sub/moved.txt")).unwrap());
    assert_eq!(
        fs::remove_dir(&d.at("sub")).unwrap_err().kind(),
        ErrorKind::DirectoryNotEmpty
    );
    assert_eq!(
        fs::remove_file(&d.at("sub")).unwrap_err().kind(),
        ErrorKind::IsADirectory
    );
    assert_eq!(
        fs::remove_dir(&d.at("copy.txt")).unwrap_err().kind(),
        ErrorKind::NotADirectory
    );
    fs::remove_dir_all(&d.at("deep")).unwrap();
    assert!(!std::path::Path::new(&d.at("deep")).exists());
    fs::remove_file(&d.at("sub/moved.txt")).unwrap();
    fs::remove_dir(&d.at("sub")).unwrap();

    let e = fs::File::open(&d.at("missing")).unwrap_err();
    assert_eq!((e.kind(), e.raw_os_error()), (ErrorKind::NotFound, Some(2)));
    assert_eq!(e.to_string(), "No such file or directory (os error 2)");
    assert_eq!(
        fs::read_dir(&d.at("missing")).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        fs::read_dir(&d.at("copy.txt")).unwrap_err().kind(),
        ErrorKind::NotADirectory
    );
    assert_eq!(
        fs::File::create(&d.0).unwrap_err().kind(),
        ErrorKind::IsADirectory
    );
    assert_eq!(
        fs::File::open("a\0b").unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    for (errno, kind) in [
        (1, ErrorKind::PermissionDenied),
        (13, ErrorKind::PermissionDenied),
        (17, ErrorKind::AlreadyExists),
        (28, ErrorKind::StorageFull),
        (30, ErrorKind::ReadOnlyFilesystem),
        (18, ErrorKind::CrossesDevices),
        (36, ErrorKind::InvalidFilename),
        (29, ErrorKind::NotSeekable),
        (27, ErrorKind::FileTooLarge),
        (16, ErrorKind::ResourceBusy),
    ] {
        assert_eq!(
            io::Error::from_raw_os_error(errno).kind(),
            kind,
            "errno {errno}"
        );
    }
}
