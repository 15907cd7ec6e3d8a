//! Apps: find the bundle, load each app of its manifest into a slot, run
//! them in manifest order, report each one's status.
//!
//! Every instance stays mapped until all apps have run, so later instances
//! share the code pages and page tables of earlier ones.
pub mod layout;

#[cfg(target_os = "none")]
pub mod exports;
#[cfg(target_os = "none")]
mod instance;
#[cfg(target_os = "none")]
pub mod source;

#[cfg(target_os = "none")]
pub use guest::run_all;

/// The status an app gets when it cannot be loaded (as a shell's "command
/// not found").
pub const LOAD_FAILED: i32 = 127;

/// The image's status: the first non-zero app status, else 0.
pub fn image_status(statuses: impl IntoIterator<Item = i32>) -> i32 {
    statuses.into_iter().find(|&s| s != 0).unwrap_or(0)
}

#[cfg(target_os = "none")]
mod guest {
    use super::instance::{Instance, Launch, ObjectCache};
    use super::source::BundleImage;
    use crate::println;
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
            let loaded = if slot >= super::layout::MAX_SLOTS {
                Err(alloc::string::String::from("no free app slot"))
            } else {
                Instance::load(spec, env, cmdline_args, bundle, &mut cache, slot, share)
                    .map_err(|e| alloc::format!("{e}"))
            };
            let load = delta(crate::sched::counters(), before);
            match loaded {
                Ok(inst) => {
                    let (name, launch, id) = (
                        spec.name.clone(),
                        inst.launch.clone(),
                        STATUSES.lock().len(),
                    );
                    STATUSES.lock().push(None);
                    let t = crate::sched::spawn(move || run(&launch, &name, id));
                    let thread = crate::sched::thread(t);
                    thread.app = Some(inst.context());
                    thread.counts = load;
                    instances.push(inst);
                }
                Err(e) => {
                    println!("ukrt: app {:?} cannot load: {e}", spec.name);
                    println!(
                        "uk-app: name={} status={} faults={} hypercalls={} frames={}",
                        spec.name,
                        super::LOAD_FAILED,
                        load.0,
                        load.1,
                        load.2
                    );
                    STATUSES.lock().push(Some(super::LOAD_FAILED));
                }
            }
        }
        crate::sched::run();
        let (_, _, frames) = crate::sched::counters();
        println!(
            "uk-apps: instances={} frames_used={frames}",
            instances.len()
        );
        for inst in &mut instances {
            inst.release();
        }
        let statuses: Vec<i32> = STATUSES
            .lock()
            .iter()
            .map(|s| s.unwrap_or(super::LOAD_FAILED))
            .collect();
        super::image_status(statuses)
    }

    /// Each app's status, in manifest order (None while it runs).
    static STATUSES: spin::Mutex<Vec<Option<i32>>> = spin::Mutex::new(Vec::new());

    fn delta(a: (u64, u64, i64), b: (u64, u64, i64)) -> (u64, u64, i64) {
        (a.0 - b.0, a.1 - b.1, a.2 - b.2)
    }

    /// A thread's body: init functions, `main`, fini functions on the app's
    /// stack; then the `uk-app` line.
    fn run(inst: &Launch, name: &str, id: usize) {
        let thread = crate::sched::current();
        thread.app_stack = inst.stack_top - super::layout::STACK_SIZE..inst.stack_top;
        thread.stop_fn = inst.exit_fn;
        let saved = &raw mut thread.app_saved_rsp;
        // SAFETY (each call): the functions are the instance's relocated
        // code; the stack is its mapped stack region; `saved` lives in the
        // thread, which outlives the call.
        for &f in &inst.init {
            unsafe { crate::arch::app_entry::enter(f, 0, 0, 0, inst.stack_top, saved) };
        }
        let status = unsafe {
            crate::arch::app_entry::enter(
                inst.entry,
                inst.argc,
                inst.argv,
                inst.environ,
                inst.stack_top,
                saved,
            )
        };
        for &f in &inst.fini {
            unsafe { crate::arch::app_entry::enter(f, 0, 0, 0, inst.stack_top, saved) };
        }
        let c = crate::sched::current_counts();
        println!(
            "uk-app: name={name} status={status} faults={} hypercalls={} frames={}",
            c.0, c.1, c.2
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
}
