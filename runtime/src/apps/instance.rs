//! Loading one app instance: parse its objects (once per bundle), ask the
//! loader for a plan, and carry the plan out — map its regions, apply its
//! relocation writes, write its argument block, map its stack.
use super::source::BundleImage;
use crate::mm::pte::PAGE_SIZE;
use crate::mm::region::{Backing, Region, RegionError, ShareKey};
use crate::mm::space::FaultError;
use crate::mm::uaccess::{AccessError, AppMemory};
use crate::trap::report::AppObject;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::ops::Range;
use ukrt_loader::debug::DebugInfo;
use ukrt_loader::elf::{ElfError, SharedObject};
use ukrt_loader::plan::{self, Plan, PlanError, RegionKind};

/// Why an app could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    MissingFile {
        file: String,
    },
    Elf(ElfError),
    Plan(PlanError),
    Region(RegionError),
    /// Writing the app's memory (relocations, arguments) failed.
    Memory(AccessError),
    /// No memory for a page the app needs before it runs.
    OutOfMemory,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingFile { file } => write!(f, "needs {file}, which is not in the bundle"),
            Self::Elf(e) => write!(f, "{e}"),
            Self::Plan(e) => write!(f, "{e}"),
            Self::Region(e) => write!(f, "cannot map: {e}"),
            Self::Memory(e) if e.is_out_of_memory() => write!(f, "out of memory"),
            Self::Memory(e) => write!(f, "writing the app's memory: {e}"),
            Self::OutOfMemory => write!(f, "out of memory"),
        }
    }
}

impl From<FaultError> for LoadError {
    fn from(e: FaultError) -> Self {
        match e {
            FaultError::OutOfMemory => LoadError::OutOfMemory,
            other => panic!("mapping a new instance failed: {other}"),
        }
    }
}

/// Parsed objects of the bundle, each parsed once; the index is the object
/// id that keys its shared page tables.
#[derive(Default)]
pub struct ObjectCache {
    /// (object, its file's bytes, the pfn of its file's first page)
    objects: Vec<(SharedObject, &'static [u8], u64)>,
    /// Each object's unwind tables and function names, for crash reports.
    debug: Vec<Arc<DebugInfo>>,
}

impl ObjectCache {
    fn get(&mut self, bundle: &BundleImage, name: &str) -> Result<usize, LoadError> {
        if let Some(i) = self.objects.iter().position(|(o, _, _)| o.file == name) {
            return Ok(i);
        }
        let file = bundle
            .bundle
            .file(name)
            .ok_or_else(|| LoadError::MissingFile {
                file: name.to_string(),
            })?;
        let obj = SharedObject::parse(name, file.data).map_err(LoadError::Elf)?;
        let pfn = bundle.first_pfn + file.offset / PAGE_SIZE;
        self.objects.push((obj, file.data, pfn));
        self.debug.push(Arc::new(DebugInfo::parse(file.data)));
        Ok(self.objects.len() - 1)
    }

    /// The app `file` and everything it needs, in scope order.
    fn scope(&mut self, bundle: &BundleImage, file: &str) -> Result<Vec<usize>, LoadError> {
        let names = plan::dependencies(file, |name| {
            let i = self.get(bundle, name)?;
            Ok::<_, LoadError>(self.objects[i].0.needed.clone())
        })?;
        names.iter().map(|n| self.get(bundle, n)).collect()
    }

    fn object(&self, i: usize) -> plan::Object<'_> {
        let (object, file, _) = &self.objects[i];
        plan::Object {
            object,
            file,
            id: i as u32,
        }
    }
}

/// Where an instance's code starts, and with what.
#[derive(Debug, Clone)]
pub struct Launch {
    pub entry: u64,
    pub init: Vec<u64>,
    pub fini: Vec<u64>,
    pub stack: Range<u64>,
    pub argc: i32,
    pub argv: u64,
    pub environ: u64,
    pub exit_fn: u64,
}

/// A loaded app instance.
pub struct Instance {
    regions: Vec<u64>,
    /// Private frames made at load time (boundary pages).
    owned_frames: Vec<u64>,
    /// What its thread runs.
    pub launch: Launch,
    /// What the runtime's exports need while it runs.
    pub context: super::exports::AppContext,
}

impl Instance {
    /// Loads `spec` into the slot at `slot_base`. On error, everything it
    /// mapped is released again.
    pub fn load(
        spec: &ukrt_loader::manifest::AppSpec,
        env: &[&str],
        extra_args: &[&str],
        bundle: &BundleImage,
        cache: &mut ObjectCache,
        slot_base: u64,
        share: bool,
    ) -> Result<Instance, LoadError> {
        let ids = cache.scope(bundle, &spec.file)?;
        let objects: Vec<plan::Object> = ids.iter().map(|&i| cache.object(i)).collect();
        let exports = super::exports::lookup;
        let plan = plan::plan(spec, &objects, env, extra_args, slot_base, &exports)
            .map_err(LoadError::Plan)?;
        let file_pfns: Vec<u64> = ids.iter().map(|&i| cache.objects[i].2).collect();
        for (&i, &base) in ids.iter().zip(&plan.bases) {
            crate::gdb::announce_object(&spec.name, &cache.objects[i].0.file, base);
        }
        let memory = AppMemory::new(plan.slot.clone());
        let loaded: Arc<[AppObject]> = ids
            .iter()
            .zip(&plan.bases)
            .map(|(&i, &base)| AppObject {
                name: cache.objects[i].0.file.clone(),
                base,
                len: cache.objects[i].0.image_size,
                file: cache.objects[i].1,
                debug: cache.debug[i].clone(),
            })
            .collect();
        let mut inst = Instance {
            regions: Vec::new(),
            owned_frames: Vec::new(),
            launch: Launch {
                entry: plan.entry,
                init: plan.init.clone(),
                fini: plan.fini.clone(),
                stack: plan.stack.clone(),
                argc: plan.args.argc,
                argv: plan.args.argv,
                environ: plan.args.environ,
                exit_fn: plan.exit_fn.unwrap_or(0),
            },
            context: super::exports::AppContext {
                id: ((slot_base - crate::mm::APP_REGION_START) / ukrt_loader::layout::SLOT_SIZE)
                    as u32,
                memory: memory.clone(),
                heap: plan.heap.clone(),
                brk: plan.heap.start,
                environ: plan.args.environ,
                name: plan.args.argv_string(0),
                label: spec.name.clone(),
                stack: plan.stack.clone(),
                objects: loaded,
            },
        };
        let loaded = inst
            .map_regions(&plan, &objects, &file_pfns, share)
            .and_then(|()| inst.relocate(&plan, &objects, &memory))
            .and_then(|()| inst.prepare_to_run(&plan, &memory));
        match loaded {
            Ok(()) => Ok(inst),
            Err(e) => {
                inst.release();
                Err(e)
            }
        }
    }

    fn map_regions(
        &mut self,
        plan: &Plan,
        objects: &[plan::Object],
        file_pfns: &[u64],
        share: bool,
    ) -> Result<(), LoadError> {
        for r in &plan.regions {
            let backing = match r.kind {
                RegionKind::Code {
                    object, file_page, ..
                } => {
                    let first_pfn = file_pfns[object] + file_page;
                    if share {
                        Backing::Frames { first_pfn }
                    } else {
                        Backing::PrivateCopy { first_pfn }
                    }
                }
                RegionKind::Data { object, file_page } => Backing::CopyOnWrite {
                    first_pfn: file_pfns[object] + file_page,
                },
                RegionKind::Boundary {
                    object,
                    file_page,
                    keep,
                } => {
                    let source = file_pfns[object] + file_page;
                    let frame = crate::mm::with_space(|s| s.alloc_prefix_copy(source, keep))?;
                    self.owned_frames.push(frame);
                    Backing::CopyOnWrite { first_pfn: frame }
                }
                RegionKind::Zero | RegionKind::Stack => Backing::ZeroFill,
                RegionKind::Guard => Backing::Guard,
            };
            let mut region = Region::new(&r.name, r.start, r.len, backing);
            if let RegionKind::Code {
                object,
                executable,
                shareable,
                ..
            } = r.kind
            {
                if executable {
                    region = region.executable();
                }
                if share && shareable {
                    region = region.shared(ShareKey {
                        object: objects[object].id,
                        base: plan.bases[object],
                    });
                }
            }
            crate::mm::with_space(|s| s.add_region(region)).map_err(LoadError::Region)?;
            self.regions.push(r.start);
        }
        Ok(())
    }

    /// Applies every relocation write (each lands in a writable segment:
    /// the ELF check made sure), a group at a time: the pages a group
    /// writes are mapped together first, so a load takes a few hypercalls
    /// rather than one per page it writes.
    fn relocate(
        &mut self,
        plan: &Plan,
        objects: &[plan::Object],
        memory: &AppMemory,
    ) -> Result<(), LoadError> {
        const GROUP: usize = 4096;
        let exports = super::exports::lookup;
        let mut writes = plan.relocations(objects, &exports);
        let mut group = Vec::with_capacity(GROUP);
        loop {
            group.clear();
            for w in writes.by_ref().take(GROUP) {
                group.push(w.map_err(|e| LoadError::Plan(PlanError::MissingSymbol(e)))?);
            }
            if group.is_empty() {
                return Ok(());
            }
            let addrs: Vec<u64> = group.iter().map(|w| w.addr).collect();
            memory
                .prepare_u64_writes(&addrs)
                .map_err(LoadError::Memory)?;
            for w in &group {
                memory
                    .write_u64(w.addr, w.value)
                    .map_err(LoadError::Memory)?;
            }
        }
    }

    /// The argument block. The stack is faulted in as the app touches it
    /// (app code runs in guest user mode, so its faults arrive on the
    /// runtime stack): only the pages it uses cost memory.
    fn prepare_to_run(&mut self, plan: &Plan, memory: &AppMemory) -> Result<(), LoadError> {
        memory
            .write(plan.args.base, &plan.args.bytes)
            .map_err(LoadError::Memory)
    }

    /// Unmaps the instance and returns its frames.
    pub fn release(&mut self) {
        for start in self.regions.drain(..) {
            crate::mm::with_space(|s| s.release_region(start))
                .unwrap_or_else(|e| panic!("release: {e}"));
        }
        for f in self.owned_frames.drain(..) {
            crate::mm::with_space(|s| s.free_frame(f));
        }
    }
}
