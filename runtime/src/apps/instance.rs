//! Loading one app instance into its slot: regions for every segment of
//! the app and its libraries, relocations, init/fini lists, stack, argv.
use super::layout::{self, Backing as B, Piece};
use super::source::BundleImage;
use crate::mm::pte::PAGE_SIZE;
use crate::mm::region::{Backing, Region, RegionError, ShareKey};
use crate::mm::space::FaultError;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use ukrt_loader::elf::{ElfError, SharedObject};
use ukrt_loader::link::{self, Placed};
use ukrt_loader::manifest::AppSpec;

/// Why an app could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    MissingFile { file: String },
    Elf(ElfError),
    MissingSymbol(link::MissingSymbol),
    NoMain { file: String },
    TooBig { file: String },
    ReadOnlyZeroFill { file: String, segment: usize },
    Region(RegionError),
    OutOfMemory,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingFile { file } => write!(f, "needs {file}, which is not in the bundle"),
            Self::Elf(e) => write!(f, "{e}"),
            Self::MissingSymbol(e) => write!(f, "{e}"),
            Self::NoMain { file } => write!(f, "{file}: no `main` function is exported"),
            Self::TooBig { file } => write!(
                f,
                "{file}: the app and its libraries do not fit in a 1 GiB slot"
            ),
            Self::ReadOnlyZeroFill { file, segment } => {
                write!(
                    f,
                    "{file}: read-only segment {segment} has a zero-filled part"
                )
            }
            Self::Region(e) => write!(f, "cannot map: {e}"),
            Self::OutOfMemory => write!(f, "out of memory"),
        }
    }
}

/// Parsed objects of the bundle, each parsed once; the index is the object
/// id that keys its shared page tables.
#[derive(Default)]
pub struct ObjectCache {
    objects: Vec<(SharedObject, u64)>, // (object, first pfn of its file)
}

impl ObjectCache {
    fn get(&mut self, bundle: &BundleImage, name: &str) -> Result<u32, LoadError> {
        if let Some(i) = self.objects.iter().position(|(o, _)| o.file == name) {
            return Ok(i as u32);
        }
        let file = bundle
            .bundle
            .file(name)
            .ok_or_else(|| LoadError::MissingFile {
                file: name.to_string(),
            })?;
        let obj = SharedObject::parse(name, file.data).map_err(LoadError::Elf)?;
        self.objects
            .push((obj, bundle.first_pfn + file.offset / PAGE_SIZE));
        Ok(self.objects.len() as u32 - 1)
    }
}

/// A loaded app instance.
pub struct Instance {
    regions: Vec<u64>,
    /// Private frames made at load time (boundary pages).
    owned_frames: Vec<u64>,
    /// What its thread runs.
    pub launch: Launch,
    /// The heap region `ukrt_heap_grow` maps pages of.
    pub heap_base: u64,
}

fn add(inst: &mut Instance, region: Region) -> Result<(), LoadError> {
    let start = region.start;
    crate::mm::with_space(|s| s.add_region(region)).map_err(LoadError::Region)?;
    inst.regions.push(start);
    Ok(())
}

fn mem_err(e: FaultError) -> LoadError {
    match e {
        FaultError::OutOfMemory => LoadError::OutOfMemory,
        other => panic!("mapping a new instance failed: {other}"),
    }
}

impl Instance {
    /// Loads `spec` into slot `slot`. On error, everything it mapped is
    /// released again.
    pub fn load(
        spec: &AppSpec,
        env: &[&str],
        extra_args: &[&str],
        bundle: &BundleImage,
        cache: &mut ObjectCache,
        slot: usize,
        share: bool,
    ) -> Result<Instance, LoadError> {
        let base = layout::slot_base(slot);
        let mut inst = Instance {
            regions: Vec::new(),
            owned_frames: Vec::new(),
            launch: Launch {
                entry: 0,
                init: Vec::new(),
                fini: Vec::new(),
                stack_top: layout::stack_top(base),
                argc: 0,
                argv: 0,
                environ: 0,
                exit_fn: 0,
            },
            heap_base: layout::heap_base(base),
        };
        match inst.load_into(spec, env, extra_args, bundle, cache, base, share) {
            Ok(()) => Ok(inst),
            Err(e) => {
                inst.release();
                Err(e)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn load_into(
        &mut self,
        spec: &AppSpec,
        env: &[&str],
        extra_args: &[&str],
        bundle: &BundleImage,
        cache: &mut ObjectCache,
        slot_base: u64,
        share: bool,
    ) -> Result<(), LoadError> {
        // Parse the app and everything it needs, breadth-first.
        let mut ids = alloc::vec![cache.get(bundle, &spec.file)?];
        let mut i = 0;
        while i < ids.len() {
            let needed = cache.objects[ids[i] as usize].0.needed.clone();
            for name in needed {
                let id = cache.get(bundle, &name)?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            i += 1;
        }
        let sizes: Vec<u64> = ids
            .iter()
            .map(|&id| cache.objects[id as usize].0.image_size)
            .collect();
        let bases = layout::place(&sizes, slot_base).ok_or_else(|| LoadError::TooBig {
            file: spec.file.clone(),
        })?;

        for (&id, &base) in ids.iter().zip(&bases) {
            let (obj, file_pfn) = &cache.objects[id as usize];
            self.map_object(id, obj, *file_pfn, base, share)?;
        }

        // Relocate: every write lands in a writable segment (checked when
        // parsing); make the pages private first so a shortage of memory
        // is an error here, not a crash in the middle.
        let scope: Vec<Placed> = ids
            .iter()
            .zip(&bases)
            .map(|(&id, &base)| Placed {
                object: &cache.objects[id as usize].0,
                base,
            })
            .collect();
        let writes =
            link::relocate(&scope, &super::exports::lookup).map_err(LoadError::MissingSymbol)?;
        for w in &writes {
            let page = w.addr & !(PAGE_SIZE - 1);
            crate::mm::with_space(|s| s.populate(page, w.addr + 8)).map_err(mem_err)?;
            // SAFETY: the address is inside a writable segment of an object
            // of this instance, now mapped writable and private.
            unsafe { (w.addr as *mut u64).write_unaligned(w.value) };
        }

        let app = scope[0];
        let no_exports = |_: &str| None;
        self.launch.exit_fn = link::resolve(&scope, &no_exports, "exit").unwrap_or(0);
        self.launch.entry = app.base
            + app.object.export("main").ok_or_else(|| LoadError::NoMain {
                file: spec.file.clone(),
            })?;
        // Libraries initialise before the objects that need them;
        // finalisers run the other way round.
        let objects: Vec<&SharedObject> = scope.iter().map(|p| p.object).collect();
        let order = link::init_order(&objects);
        for &i in &order {
            let p = scope[i];
            if let Some(f) = p.object.init {
                self.launch.init.push(p.base + f);
            }
            self.launch
                .init
                .extend(read_array(p.base, p.object.init_array));
        }
        for &i in order.iter().rev() {
            let p = scope[i];
            let mut fini = read_array(p.base, p.object.fini_array);
            fini.reverse();
            self.launch.fini.extend(fini);
            if let Some(f) = p.object.fini {
                self.launch.fini.push(p.base + f);
            }
        }
        let heap = layout::heap_base(slot_base);
        add(
            self,
            Region::new("heap", heap, layout::HEAP_SIZE, Backing::ZeroFill),
        )?;
        self.map_stack_and_args(spec, env, extra_args, slot_base)
    }

    fn map_object(
        &mut self,
        id: u32,
        obj: &SharedObject,
        file_pfn: u64,
        base: u64,
        share: bool,
    ) -> Result<(), LoadError> {
        let pieces = layout::pieces(obj).map_err(|e| LoadError::ReadOnlyZeroFill {
            file: obj.file.clone(),
            segment: e.segment,
        })?;
        let shareable = share && layout::can_share(obj);
        for Piece {
            start,
            end,
            backing,
        } in pieces
        {
            let (va, len) = (base + start, end - start);
            let region = match backing {
                B::Code {
                    file_page,
                    executable,
                } => {
                    let first_pfn = file_pfn + file_page;
                    let mut r = if share {
                        Region::new(&obj.file, va, len, Backing::Frames { first_pfn })
                    } else {
                        Region::new(&obj.file, va, len, Backing::PrivateCopy { first_pfn })
                    };
                    if executable {
                        r = r.executable();
                    }
                    if shareable {
                        r = r.shared(ShareKey { object: id, base });
                    }
                    r
                }
                B::Data { file_page } => Region::new(
                    &obj.file,
                    va,
                    len,
                    Backing::CopyOnWrite {
                        first_pfn: file_pfn + file_page,
                    },
                ),
                B::Boundary { file_page, keep } => {
                    let frame = self.boundary_frame(file_pfn + file_page, keep)?;
                    Region::new(
                        &obj.file,
                        va,
                        len,
                        Backing::CopyOnWrite { first_pfn: frame },
                    )
                }
                B::Zero => Region::new(&obj.file, va, len, Backing::ZeroFill),
            };
            add(self, region)?;
        }
        Ok(())
    }

    /// A private frame holding the first `keep` bytes of `source`, then zeros.
    fn boundary_frame(&mut self, source: u64, keep: u64) -> Result<u64, LoadError> {
        let frame =
            crate::mm::with_space(|s| s.frames.alloc()).map_err(|_| LoadError::OutOfMemory)?;
        self.owned_frames.push(frame);
        let (src, dst) = (
            crate::mm::xen_mmu::frame_va(source),
            crate::mm::xen_mmu::frame_va(frame),
        );
        // SAFETY: `frame` was just allocated (writable in the physical map,
        // unshared); `source` is a bundle frame; both are whole pages.
        unsafe {
            core::ptr::copy_nonoverlapping(src, dst, keep as usize);
            core::ptr::write_bytes(dst.add(keep as usize), 0, (PAGE_SIZE - keep) as usize);
        }
        Ok(frame)
    }

    fn map_stack_and_args(
        &mut self,
        spec: &AppSpec,
        env: &[&str],
        extra: &[&str],
        slot_base: u64,
    ) -> Result<(), LoadError> {
        let top = layout::stack_top(slot_base);
        let bottom = top - layout::STACK_SIZE;
        add(
            self,
            Region::new("stack guard", bottom - PAGE_SIZE, PAGE_SIZE, Backing::Guard),
        )?;
        add(
            self,
            Region::new("stack", bottom, layout::STACK_SIZE, Backing::ZeroFill),
        )?;
        // Xen delivers a fault on the stack in use, so a stack page that is
        // not mapped yet could never be faulted in: map the stack now.
        crate::mm::with_space(|s| s.populate(bottom, top)).map_err(mem_err)?;
        let args = layout::args_base(slot_base);
        add(
            self,
            Region::new("args", args, layout::ARGS_SIZE, Backing::ZeroFill),
        )?;
        crate::mm::with_space(|s| s.populate(args, args + layout::ARGS_SIZE)).map_err(mem_err)?;

        // argv[0] is the app's name, then its manifest arguments, then the
        // command line's. The pointer arrays (argv, then environ) come
        // first, NULL-terminated; the strings follow.
        let words: Vec<&str> = core::iter::once(spec.name.as_str())
            .chain(spec.args.iter().map(String::as_str))
            .chain(extra.iter().copied())
            .collect();
        let tables = (words.len() + 1 + env.len() + 1) as u64 * 8;
        let strings: u64 = words.iter().chain(env).map(|w| w.len() as u64 + 1).sum();
        if tables + strings > layout::ARGS_SIZE {
            return Err(LoadError::TooBig {
                file: "the argument list".to_string(),
            });
        }
        let environ = args + (words.len() as u64 + 1) * 8;
        let mut at = args + tables;
        for (table, list) in [(args, &words[..]), (environ, env)] {
            for (i, w) in list.iter().enumerate() {
                // SAFETY: the args region was populated above and everything
                // fits (checked); the terminating NULLs are its zero fill.
                unsafe {
                    ((table + i as u64 * 8) as *mut u64).write(at);
                    core::ptr::copy_nonoverlapping(w.as_ptr(), at as *mut u8, w.len());
                    ((at + w.len() as u64) as *mut u8).write(0);
                }
                at += w.len() as u64 + 1;
            }
        }
        self.launch.argc = words.len() as i32;
        self.launch.argv = args;
        self.launch.environ = environ;
        Ok(())
    }

    /// What the runtime's exports need to know about the running instance.
    pub fn context(&self) -> super::exports::AppContext {
        super::exports::AppContext {
            heap: self.heap_base..self.heap_base + layout::HEAP_SIZE,
            brk: self.heap_base,
            environ: self.launch.environ,
            // SAFETY: argv[0] was written by `map_stack_and_args`.
            name: unsafe { (self.launch.argv as *const u64).read() },
        }
    }

    /// Unmaps the instance and returns its frames.
    pub fn release(&mut self) {
        for start in self.regions.drain(..) {
            crate::mm::with_space(|s| s.release_region(start))
                .unwrap_or_else(|e| panic!("release: {e:?}"));
        }
        for f in self.owned_frames.drain(..) {
            crate::mm::with_space(|s| s.frames.free(f));
        }
    }
}

/// Where an instance's code starts, and with what.
#[derive(Clone)]
pub struct Launch {
    pub entry: u64,
    pub init: Vec<u64>,
    pub fini: Vec<u64>,
    pub stack_top: u64,
    pub argc: i32,
    pub argv: u64,
    pub environ: u64,
    pub exit_fn: u64,
}

/// The function addresses in an init or fini array, after relocation.
fn read_array(base: u64, array: Option<(u64, u64)>) -> Vec<u64> {
    let Some((offset, count)) = array else {
        return Vec::new();
    };
    (0..count)
        .map(|i| {
            // SAFETY: the array lies in a load segment (checked when
            // parsing) and was relocated; reading faults it in if needed.
            unsafe { ((base + offset + i * 8) as *const u64).read_unaligned() }
        })
        .filter(|&f| f != 0 && f != u64::MAX)
        .collect()
}
