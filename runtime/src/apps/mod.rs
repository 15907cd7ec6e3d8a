//! Apps: find the bundle, load each app of its manifest into a slot, run
//! them all as threads, report each one's status.
//!
//! Every instance stays mapped until all apps have run, so later instances
//! share the code pages and page tables of earlier ones.
use crate::mm::region::{APP_REGION_END, APP_REGION_START};
use ukrt_loader::layout::SLOT_SIZE;

#[cfg(target_os = "none")]
mod call;
#[cfg(target_os = "none")]
pub mod exports;
#[cfg(target_os = "none")]
mod fd_exports;
#[cfg(target_os = "none")]
mod fds;
#[cfg(target_os = "none")]
mod file_exports;
#[cfg(target_os = "none")]
mod instance;
#[cfg(target_os = "none")]
mod net_exports;
#[cfg(target_os = "none")]
pub mod source;

#[cfg(target_os = "none")]
pub use guest::run_all;

/// The status an app gets when it cannot be loaded (as a shell's "command
/// not found").
pub const LOAD_FAILED: i32 = 127;

/// App slots in the application region: the most apps an image can run.
pub const MAX_SLOTS: usize = ((APP_REGION_END - APP_REGION_START) / SLOT_SIZE) as usize;

/// Where slot `slot` starts.
pub fn slot_base(slot: usize) -> u64 {
    APP_REGION_START + slot as u64 * SLOT_SIZE
}

/// Frames kept free for each loaded app to run with: apps are all loaded
/// before any runs, and a running app still faults in a few pages (its
/// stack, data it first touches, the runtime's books for its descriptors),
/// so the loads must leave room for that (a hello takes 5 more faults).
pub const RUN_HEADROOM_FRAMES: u64 = 16;

/// Frames a heap growth leaves free for the apps' other faults (a stack
/// page, the first write to a data page: what the app does when malloc
/// has just failed), so that an app that fills memory with its heap gets
/// NULL from malloc rather than a crash on its next touch.
pub const HEAP_HEADROOM_FRAMES: u64 = 4 * RUN_HEADROOM_FRAMES;

/// The image's status: the first non-zero app status, else 0.
pub fn image_status(statuses: impl IntoIterator<Item = i32>) -> i32 {
    statuses.into_iter().find(|&s| s != 0).unwrap_or(0)
}

#[cfg(target_os = "none")]
mod guest {
    use super::instance::{Instance, Launch, ObjectCache};
    use super::source::BundleImage;
    use crate::println;
    use crate::sched::Counts;
    use alloc::collections::BTreeMap;
    use alloc::string::{String, ToString};
    use alloc::vec::Vec;

    /// Runs every app of the bundle; returns the image's status.
    pub fn run_all(bundle: &BundleImage, env: &[&str], cmdline_args: &[&str], share: bool) -> i32 {
        let apps = match ukrt_loader::manifest::parse(bundle.bundle.manifest_text()) {
            Ok(apps) => apps,
            Err(e) => {
                println!("ukrt: bundle manifest: {e}");
                return super::LOAD_FAILED;
            }
        };
        println!(
            "ukrt: bundle ({}): {} files, {} apps",
            bundle.origin,
            bundle.bundle.file_count(),
            apps.len()
        );
        // Load every app first (so later instances share the code pages and
        // tables of earlier ones), then run them all as threads.
        let mut cache = ObjectCache::default();
        let mut instances: Vec<Instance> = Vec::new();
        for (slot, spec) in apps.iter().enumerate() {
            let before = crate::sched::counters();
            // (Past the last slot, load names that reason instead.)
            let loaded = if slot >= super::MAX_SLOTS || room_to_run(instances.len()) {
                load(spec, env, cmdline_args, bundle, &mut cache, slot, share)
            } else {
                Err("out of memory".to_string())
            };
            let load = delta(crate::sched::counters(), before);
            match loaded {
                Ok(inst) => instances.push(inst),
                Err(e) => {
                    println!("ukrt: app {:?} cannot load: {e}", spec.name);
                    println!(
                        "uk-app: name={} status={} faults={} hypercalls={} load_hypercalls={} frames={}",
                        spec.name,
                        super::LOAD_FAILED,
                        load.0,
                        load.1,
                        load.1,
                        load.2
                    );
                    STATUSES.lock().push(Some(super::LOAD_FAILED));
                }
            }
        }
        drop(apps);
        let loaded = instances.len();
        LIVE.lock()
            .extend(instances.into_iter().map(|i| (i.context.id, i)));
        crate::sched::run();
        let (used, _) = crate::mm::frame_counts();
        println!("uk-apps: instances={loaded} frames_used={used}");
        for (_, mut inst) in core::mem::take(&mut *LIVE.lock()) {
            inst.release();
        }
        let statuses: Vec<i32> = STATUSES
            .lock()
            .iter()
            .map(|s| s.unwrap_or(super::LOAD_FAILED))
            .collect();
        super::image_status(statuses)
    }

    /// Whether memory is left for the `loaded` apps and one more to run
    /// (see `RUN_HEADROOM_FRAMES`).
    fn room_to_run(loaded: usize) -> bool {
        let (_, free) = crate::mm::frame_counts();
        free >= (loaded as u64 + 1) * super::RUN_HEADROOM_FRAMES + crate::mm::reserve()
    }

    /// Loads one app and gives it a thread; on failure nothing of it stays.
    fn load(
        spec: &ukrt_loader::manifest::AppSpec,
        env: &[&str],
        args: &[&str],
        bundle: &BundleImage,
        cache: &mut ObjectCache,
        slot: usize,
        share: bool,
    ) -> Result<Instance, String> {
        if slot >= super::MAX_SLOTS {
            return Err(alloc::format!(
                "no free app slot (an image runs at most {} apps)",
                super::MAX_SLOTS
            ));
        }
        let before = crate::sched::counters();
        let mut inst = Instance::load(
            spec,
            env,
            args,
            bundle,
            cache,
            super::slot_base(slot),
            share,
        )
        .map_err(|e| e.to_string())?;
        let (name, launch, id) = (
            spec.name.clone(),
            inst.launch.clone(),
            STATUSES.lock().len(),
        );
        let thread = match crate::sched::spawn(move || run(&launch, &name, id)) {
            Ok(t) => t,
            Err(e) => {
                inst.release();
                return Err(e.to_string());
            }
        };
        let load = delta(crate::sched::counters(), before);
        let (context, exit_fn) = (inst.context.clone(), inst.launch.exit_fn);
        crate::sched::with_thread(thread, |t| {
            t.app = Some(context);
            t.stop_fn = exit_fn;
            t.counts = load;
            t.load = load;
        });
        STATUSES.lock().push(None);
        Ok(inst)
    }

    /// Each app's status, in manifest order (None while it runs).
    static STATUSES: spin::Mutex<Vec<Option<i32>>> = spin::Mutex::new(Vec::new());

    /// The loaded instances by app number. They stay mapped until every
    /// app has run (so the K-instances figures count them all), except an
    /// app that a fault ended: its memory goes at once.
    static LIVE: spin::Mutex<BTreeMap<u32, Instance>> = spin::Mutex::new(BTreeMap::new());

    fn delta(a: Counts, b: Counts) -> Counts {
        (a.0 - b.0, a.1 - b.1, a.2 - b.2)
    }

    /// A thread's body: init functions, `main`, fini functions on the app's
    /// stack; then the `uk-app` line.
    fn run(inst: &Launch, name: &str, id: usize) {
        let call = crate::sched::with_current(|t| t.app_call.clone());
        let stack = inst.stack.clone();
        let report = |what: &str, r: Result<i32, crate::arch::app_entry::CallError>| match r {
            Ok(status) => status,
            Err(e) => {
                println!("ukrt: app {name:?}: cannot call its {what}: {e}");
                super::LOAD_FAILED
            }
        };
        // A fault of the app's own code ends it: nothing more of it runs.
        let mut status = 0;
        for &f in &inst.init {
            if call.killed_by().is_none() {
                status = report("initialiser", call.call(f, (0, 0, 0), stack.clone()));
            }
        }
        if call.killed_by().is_none() {
            crate::gdb::before_main();
            crate::boot::finished();
            let args = (inst.argc, inst.argv, inst.environ);
            status = report("main", call.call(inst.entry, args, stack.clone()));
        }
        for &f in &inst.fini {
            if call.killed_by().is_none() {
                report("finaliser", call.call(f, (0, 0, 0), stack.clone()));
            }
        }
        // Its descriptors (sockets, files) go with it.
        let app = crate::sched::with_current(|t| t.app.as_ref().map(|c| c.id));
        if let Some(app) = app {
            super::fds::close_all(app);
            crate::net::with(|n| n.stack.sockets.close_all(app));
            if call.killed_by().is_some() {
                if let Some(mut inst) = LIVE.lock().remove(&app) {
                    inst.release();
                }
            }
        }
        let c = crate::sched::current_counts();
        let load = crate::sched::with_current(|t| t.load);
        println!(
            "uk-app: name={name} status={status} faults={} hypercalls={} load_hypercalls={} frames={}",
            c.0, c.1, load.1, c.2
        );
        STATUSES.lock()[id] = Some(status);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn image_status_is_the_first_nonzero() {
        assert_eq!(super::image_status([0, 0]), 0);
        assert_eq!(super::image_status([0, 3, 127]), 3);
        assert_eq!(super::image_status([]), 0);
    }

    #[test]
    fn slots_fill_the_application_region() {
        assert_eq!(super::MAX_SLOTS, 1024);
        assert_eq!(super::slot_base(0), super::APP_REGION_START);
        assert_eq!(
            super::slot_base(super::MAX_SLOTS - 1) + super::SLOT_SIZE,
            super::APP_REGION_END
        );
    }
}
