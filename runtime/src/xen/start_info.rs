//! `start_info`: what Xen tells the guest at boot, read and checked once.
use xen_sys as x;

/// Where console output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsoleKind {
    /// The first domain writes with `console_io`.
    Hypervisor,
    /// A domU writes into the PV console ring at machine frame `mfn` and
    /// notifies the backend on event channel `evtchn`.
    Ring { mfn: u64, evtchn: u32 },
}

/// The checked contents of `start_info`.
#[derive(Debug, Clone)]
pub struct BootInfo {
    pub nr_pages: u64,
    /// Machine address of the shared info page.
    pub shared_info_ma: u64,
    pub flags: u32,
    pub store_mfn: u64,
    pub store_evtchn: u32,
    pub console: ConsoleKind,
    /// Virtual address of the top-level page table Xen built.
    pub pt_base: u64,
    pub nr_pt_frames: u64,
    /// Virtual address of the p2m list (pfn -> mfn).
    pub mfn_list: u64,
    pub mod_start: u64,
    pub mod_len: u64,
    pub cmdline: heapless::String<1024>,
}

impl BootInfo {
    pub fn is_initial_domain(&self) -> bool {
        self.flags & x::SIF_INITDOMAIN != 0
    }

    /// Whether `mod_start` is a pfn rather than an address
    /// (`SIF_MOD_START_PFN`); the runtime only takes modules by address.
    pub fn module_is_pfn(&self) -> bool {
        self.flags & x::SIF_MOD_START_PFN != 0
    }

    pub fn memory_bytes(&self) -> u64 {
        self.nr_pages * 4096
    }
}

/// Why `start_info` was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartInfoError {
    BadMagic,
    NoMemory,
    TooMuchMemory(u64),
    MissingP2m,
    BadPageTableBase(u64),
    CmdlineNotTerminated,
    CmdlineNotUtf8,
}

impl core::fmt::Display for StartInfoError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::BadMagic => write!(f, "magic is not \"xen-3.0-x86_64\""),
            Self::NoMemory => write!(f, "nr_pages is 0"),
            Self::TooMuchMemory(n) => write!(f, "nr_pages {n} is beyond 1 TiB"),
            Self::MissingP2m => write!(f, "mfn_list (the p2m) is missing"),
            Self::BadPageTableBase(a) => write!(f, "pt_base {a:#x} is not page-aligned"),
            Self::CmdlineNotTerminated => write!(f, "cmd_line is not NUL-terminated"),
            Self::CmdlineNotUtf8 => write!(f, "cmd_line is not UTF-8"),
        }
    }
}

const MAGIC: &[u8] = b"xen-3.0-x86_64";
const MAX_PAGES: u64 = 1 << 28; // 1 TiB of 4 KiB pages

/// Checks `raw` and copies out what the runtime needs.
pub fn parse(raw: &x::start_info) -> Result<BootInfo, StartInfoError> {
    let magic: [u8; 32] = raw.magic.map(|c| c as u8);
    if !magic.starts_with(MAGIC) {
        return Err(StartInfoError::BadMagic);
    }
    match raw.nr_pages {
        0 => return Err(StartInfoError::NoMemory),
        n if n > MAX_PAGES => return Err(StartInfoError::TooMuchMemory(n)),
        _ => {}
    }
    if raw.mfn_list == 0 {
        return Err(StartInfoError::MissingP2m);
    }
    if raw.pt_base == 0 || !raw.pt_base.is_multiple_of(4096) {
        return Err(StartInfoError::BadPageTableBase(raw.pt_base));
    }
    let bytes: [u8; 1024] = raw.cmd_line.map(|c| c as u8);
    let len = bytes
        .iter()
        .position(|&b| b == 0)
        .ok_or(StartInfoError::CmdlineNotTerminated)?;
    let text = core::str::from_utf8(&bytes[..len]).map_err(|_| StartInfoError::CmdlineNotUtf8)?;
    let mut cmdline = heapless::String::new();
    cmdline.push_str(text).expect("1023 bytes fit in 1024");

    let console = if raw.flags & x::SIF_INITDOMAIN != 0 {
        ConsoleKind::Hypervisor
    } else {
        // SAFETY: for a domU the union holds the `domU` variant; both
        // variants are plain integers, so any bit pattern is a valid value.
        let c = unsafe { raw.console.domU };
        ConsoleKind::Ring {
            mfn: c.mfn,
            evtchn: c.evtchn,
        }
    };
    Ok(BootInfo {
        nr_pages: raw.nr_pages,
        shared_info_ma: raw.shared_info,
        flags: raw.flags,
        store_mfn: raw.store_mfn,
        store_evtchn: raw.store_evtchn,
        console,
        pt_base: raw.pt_base,
        nr_pt_frames: raw.nr_pt_frames,
        mfn_list: raw.mfn_list,
        mod_start: raw.mod_start,
        mod_len: raw.mod_len,
        cmdline,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(cmdline: &[u8]) -> x::start_info {
        // SAFETY: start_info is plain integers and arrays; all-zero is valid.
        let mut s: x::start_info = unsafe { core::mem::zeroed() };
        for (d, &b) in s.magic.iter_mut().zip(b"xen-3.0-x86_64") {
            *d = b as _;
        }
        s.nr_pages = 16384;
        s.mfn_list = 0xffff_ffff_8010_0000;
        s.pt_base = 0xffff_ffff_8020_0000;
        s.flags = x::SIF_INITDOMAIN | x::SIF_PRIVILEGED;
        for (d, &b) in s.cmd_line.iter_mut().zip(cmdline) {
            *d = b as _;
        }
        s
    }

    #[test]
    fn layout_matches_xen_public_header() {
        // Offsets from xen/include/public/xen.h for x86_64.
        assert_eq!(core::mem::offset_of!(x::start_info, nr_pages), 32);
        assert_eq!(core::mem::offset_of!(x::start_info, flags), 48);
        assert_eq!(core::mem::offset_of!(x::start_info, console), 72);
        assert_eq!(core::mem::offset_of!(x::start_info, pt_base), 88);
        assert_eq!(core::mem::offset_of!(x::start_info, mfn_list), 104);
        assert_eq!(core::mem::offset_of!(x::start_info, cmd_line), 128);
        assert_eq!(core::mem::offset_of!(x::start_info, nr_p2m_frames), 1160);
    }

    #[test]
    fn parses_a_first_domain() {
        let info = parse(&raw(b"exit=3 hello\0")).unwrap();
        assert_eq!(info.cmdline.as_str(), "exit=3 hello");
        assert_eq!(info.console, ConsoleKind::Hypervisor);
        assert!(info.is_initial_domain());
        assert_eq!(info.memory_bytes(), 64 << 20);
    }

    #[test]
    fn a_domu_gets_the_console_ring() {
        let mut s = raw(b"\0");
        s.flags = 0;
        s.console.domU = x::start_info__bindgen_ty_1__bindgen_ty_1 {
            mfn: 0x1234,
            evtchn: 2,
        };
        let info = parse(&s).unwrap();
        assert_eq!(
            info.console,
            ConsoleKind::Ring {
                mfn: 0x1234,
                evtchn: 2
            }
        );
    }

    #[test]
    fn rejects_bad_input_by_name() {
        let mut s = raw(b"\0");
        s.magic[4] = b'4' as _;
        assert_eq!(parse(&s).unwrap_err(), StartInfoError::BadMagic);
        let mut s = raw(b"\0");
        s.nr_pages = 0;
        assert_eq!(parse(&s).unwrap_err(), StartInfoError::NoMemory);
        let mut s = raw(b"\0");
        s.mfn_list = 0;
        assert_eq!(parse(&s).unwrap_err(), StartInfoError::MissingP2m);
        let mut s = raw(b"\0");
        s.pt_base += 8;
        assert!(matches!(
            parse(&s),
            Err(StartInfoError::BadPageTableBase(_))
        ));
        let s = raw(&[b'a'; 1024]);
        assert_eq!(parse(&s).unwrap_err(), StartInfoError::CmdlineNotTerminated);
        let s = raw(b"\xff\xfe\0");
        assert_eq!(parse(&s).unwrap_err(), StartInfoError::CmdlineNotUtf8);
    }
}
