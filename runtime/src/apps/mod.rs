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
    use super::instance::{Instance, ObjectCache};
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
        let mut cache = ObjectCache::default();
        let mut instances: Vec<Instance> = Vec::new();
        let mut statuses = Vec::new();
        for (slot, spec) in apps.iter().enumerate() {
            let before = counts();
            let status = if slot >= super::layout::MAX_SLOTS {
                println!("ukrt: app {:?} cannot load: no free app slot", spec.name);
                super::LOAD_FAILED
            } else {
                match Instance::load(spec, env, cmdline_args, bundle, &mut cache, slot, share) {
                    Ok(inst) => {
                        let status = run(&inst);
                        instances.push(inst);
                        status
                    }
                    Err(e) => {
                        println!("ukrt: app {:?} cannot load: {e}", spec.name);
                        super::LOAD_FAILED
                    }
                }
            };
            let after = counts();
            println!(
                "uk-app: name={} status={status} faults={} hypercalls={} frames={}",
                spec.name,
                after.0 - before.0,
                after.1 - before.1,
                after.2 as i64 - before.2 as i64,
            );
            statuses.push(status);
        }
        let (_, _, frames) = counts();
        println!(
            "uk-apps: instances={} frames_used={frames}",
            instances.len()
        );
        for inst in &mut instances {
            inst.release();
        }
        super::image_status(statuses)
    }

    /// (faults, hypercalls, frames in use) so far.
    fn counts() -> (u64, u64, u64) {
        let hypercalls =
            crate::xen::hypercall::HYPERCALLS.load(core::sync::atomic::Ordering::Relaxed);
        crate::mm::with_space(|s| (s.stats.faults, hypercalls, s.frames.used_count()))
    }

    /// Runs the init functions, `main`, and the fini functions.
    fn run(inst: &Instance) -> i32 {
        let stack = inst.stack_top - super::layout::STACK_SIZE..inst.stack_top;
        *crate::arch::APP_STACK.lock() = stack;
        super::exports::set_current(inst.context());
        // SAFETY (each call): the functions are the instance's relocated
        // code; the stack is its demand-mapped stack region.
        for &f in &inst.init {
            unsafe { crate::arch::app_entry::enter(f, 0, 0, 0, inst.stack_top) };
        }
        let status = unsafe {
            crate::arch::app_entry::enter(
                inst.entry,
                inst.argc,
                inst.argv,
                inst.environ,
                inst.stack_top,
            )
        };
        for &f in &inst.fini {
            unsafe { crate::arch::app_entry::enter(f, 0, 0, 0, inst.stack_top) };
        }
        *crate::arch::APP_STACK.lock() = 0..0;
        super::exports::clear_current();
        status
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
