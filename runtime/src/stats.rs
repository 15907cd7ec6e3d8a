//! The runtime's counters, in one place, and the `uk-stats:` line that
//! prints them (`uk.stats`), for tests and benchmarks.
//!
//! Event counters live here as atomics that the code doing the thing bumps;
//! memory figures come from the memory manager as one [`MemoryStats`]
//! snapshot. Nothing else formats counters.
use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// A monotonic event counter.
pub struct Counter(AtomicU64);

impl Counter {
    pub const fn new() -> Self {
        Counter(AtomicU64::new(0))
    }
    pub fn inc(&self) {
        self.0.fetch_add(1, Relaxed);
    }
    pub fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Relaxed);
    }
}

impl Default for Counter {
    fn default() -> Self {
        Self::new()
    }
}

/// Bumps `c` (for call sites that read better as a function).
pub fn count(c: &Counter) {
    c.inc()
}

/// Every transition to Xen (a multicall counts once; the `iret` that ends a
/// handled fault is a jump into the hypercall page and is not counted).
pub static HYPERCALLS: Counter = Counter::new();
/// VIRQ_TIMER events.
pub static TIMER_EVENTS: Counter = Counter::new();
/// Times the idle vCPU blocked.
pub static BLOCKS: Counter = Counter::new();
/// Event upcalls taken.
pub static UPCALLS: Counter = Counter::new();
/// Thread switches.
pub static SWITCHES: Counter = Counter::new();

/// The disks' counters (every disk's requests summed; blk/guest.rs adds
/// what blkfront counted after each operation).
pub struct DiskCounters {
    /// Requests put on the rings (reads, writes, flushes).
    pub requests: Counter,
    /// Sectors (of each disk's own size) read and written.
    pub sectors_read: Counter,
    pub sectors_written: Counter,
    /// Flushes the backends completed.
    pub flushes: Counter,
    /// Backend responses dropped as bad (ids, operations, statuses, ring).
    pub bad_responses: Counter,
    /// Requests that failed: an error status, or no answer in time.
    pub errors: Counter,
}

pub static DISK: DiskCounters = DiskCounters {
    requests: Counter::new(),
    sectors_read: Counter::new(),
    sectors_written: Counter::new(),
    flushes: Counter::new(),
    bad_responses: Counter::new(),
    errors: Counter::new(),
};

/// Pages of the image's packed files that reads have touched, each counted
/// once whichever app read it (fs/image.rs).
pub static IMAGE_PAGES_READ: Counter = Counter::new();

/// The disks' counters at one moment.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DiskStats {
    pub requests: u64,
    pub sectors_read: u64,
    pub sectors_written: u64,
    pub flushes: u64,
    pub bad_responses: u64,
    pub errors: u64,
    pub image_pages_read: u64,
}

impl DiskStats {
    pub fn now() -> Self {
        DiskStats {
            requests: DISK.requests.get(),
            sectors_read: DISK.sectors_read.get(),
            sectors_written: DISK.sectors_written.get(),
            flushes: DISK.flushes.get(),
            bad_responses: DISK.bad_responses.get(),
            errors: DISK.errors.get(),
            image_pages_read: IMAGE_PAGES_READ.get(),
        }
    }
}

/// What the memory manager reports for the stats line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MemoryStats {
    pub faults: u64,
    pub tables: [u64; 3],
    pub tables_freed: u64,
    pub mmu_updates: u64,
    pub multicalls: u64,
    pub multicall_entries: u64,
    pub mmuext_ops: u64,
    pub frames_used: u64,
    pub frames_free: u64,
    pub zero_fills: u64,
    pub cow_copies: u64,
    pub shared_maps: u64,
    pub shared_code_pages: u64,
    pub private_pages: u64,
    pub l1_shared_links: u64,
    pub boot_frames: u64,
    pub heap_frames: u64,
}

/// The boot phase: from Xen's hand-over to the first app's `main`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BootPhase {
    /// Microseconds (the guest's TSC, scaled with Xen's time record).
    pub us: u64,
    /// Hypercalls made (see [`HYPERCALLS`]).
    pub hypercalls: u64,
    /// Page-table pages made: the physical map's and the app region's.
    pub tables: u64,
}

impl fmt::Display for BootPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "uk-boot: us={} hypercalls={} tables={}",
            self.us, self.hypercalls, self.tables
        )
    }
}

/// The TSC at the hand-over, then the boot phase once `main` is reached.
static BOOT_TSC: AtomicU64 = AtomicU64::new(0);
static BOOT: spin::Once<BootPhase> = spin::Once::new();

/// Called first thing at the hand-over.
pub fn boot_started(tsc: u64) {
    BOOT_TSC.store(tsc, Relaxed);
}

/// Called when the first app's `main` (or the built-in hello) is about to
/// run; later calls change nothing.
pub fn boot_finished(ns: impl FnOnce(u64) -> u64, tables: u64) {
    BOOT.call_once(|| BootPhase {
        us: ns(BOOT_TSC.load(Relaxed)) / 1000,
        hypercalls: HYPERCALLS.get(),
        tables,
    });
}

/// The boot phase, once it is over.
pub fn boot_phase() -> Option<BootPhase> {
    BOOT.get().copied()
}

/// The event counters at one moment.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct EventStats {
    pub hypercalls: u64,
    pub timer_events: u64,
    pub blocks: u64,
    pub upcalls: u64,
    pub switches: u64,
}

impl EventStats {
    pub fn now() -> Self {
        EventStats {
            hypercalls: HYPERCALLS.get(),
            timer_events: TIMER_EVENTS.get(),
            blocks: BLOCKS.get(),
            upcalls: UPCALLS.get(),
            switches: SWITCHES.get(),
        }
    }
}

/// The devices' figures.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeviceStats {
    /// Grant references in use.
    pub grants: u64,
    pub rx_packets: u64,
    pub tx_packets: u64,
    /// Received frames dropped (bad status, multi-slot, too long).
    pub rx_dropped: u64,
    /// Backend responses that broke the ring protocol.
    pub net_protocol_errors: u64,
    /// Received frames dropped as malformed (net/filter.rs).
    pub rx_malformed: u64,
    /// Of `tx_packets`, TCP packets the backend cut into segments (GSO).
    pub tx_gso_packets: u64,
    /// What `tx_packets` become on the wire: a GSO packet counts as its
    /// segments.
    pub tx_segments: u64,
}

/// The `uk-stats:` line's fields, in the order scripts rely on (the first
/// six are fixed; later ones may be added at the end).
pub struct StatsLine {
    pub memory: MemoryStats,
    pub events: EventStats,
    pub devices: DeviceStats,
    pub disks: DiskStats,
}

impl fmt::Display for StatsLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = &self.memory;
        let e = &self.events;
        let d = &self.devices;
        let b = &self.disks;
        let fields: [(&str, u64); 40] = [
            ("faults", m.faults),
            ("tables", m.tables.iter().sum()),
            ("hypercalls", e.hypercalls),
            ("mmu_updates", m.mmu_updates),
            ("frames_used", m.frames_used),
            ("frames_free", m.frames_free),
            ("tables_l1", m.tables[0]),
            ("tables_l2", m.tables[1]),
            ("tables_l3", m.tables[2]),
            ("tables_freed", m.tables_freed),
            ("multicalls", m.multicalls),
            ("multicall_entries", m.multicall_entries),
            ("mmuext_ops", m.mmuext_ops),
            ("zero_fills", m.zero_fills),
            ("cow_copies", m.cow_copies),
            ("shared_maps", m.shared_maps),
            ("shared_code_pages", m.shared_code_pages),
            ("private_pages", m.private_pages),
            ("l1_shared_links", m.l1_shared_links),
            ("boot_frames", m.boot_frames),
            ("heap_frames", m.heap_frames),
            ("timer_events", e.timer_events),
            ("blocks", e.blocks),
            ("upcalls", e.upcalls),
            ("switches", e.switches),
            ("grants", d.grants),
            ("rx_packets", d.rx_packets),
            ("tx_packets", d.tx_packets),
            ("rx_dropped", d.rx_dropped),
            ("net_protocol_errors", d.net_protocol_errors),
            ("rx_malformed", d.rx_malformed),
            ("blk_requests", b.requests),
            ("blk_sectors_read", b.sectors_read),
            ("blk_sectors_written", b.sectors_written),
            ("blk_flushes", b.flushes),
            ("blk_bad_responses", b.bad_responses),
            ("blk_errors", b.errors),
            ("image_pages_read", b.image_pages_read),
            ("tx_gso_packets", d.tx_gso_packets),
            ("tx_segments", d.tx_segments),
        ];
        f.write_str("uk-stats:")?;
        for (k, v) in fields {
            write!(f, " {k}={v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_starts_with_the_fixed_fields() {
        let line = StatsLine {
            memory: MemoryStats {
                faults: 3,
                tables: [1, 2, 3],
                mmu_updates: 9,
                frames_used: 100,
                frames_free: 200,
                heap_frames: 64,
                ..Default::default()
            },
            events: EventStats {
                hypercalls: 12,
                switches: 5,
                ..Default::default()
            },
            devices: DeviceStats {
                grants: 514,
                ..Default::default()
            },
            disks: DiskStats {
                requests: 40,
                sectors_written: 2048,
                flushes: 1,
                ..Default::default()
            },
        }
        .to_string();
        assert!(
            line.starts_with(
                "uk-stats: faults=3 tables=6 hypercalls=12 mmu_updates=9 frames_used=100 \
                 frames_free=200 tables_l1=1 tables_l2=2 tables_l3=3 "
            ),
            "{line}"
        );
        assert!(line.contains(" heap_frames=64 timer_events=0 blocks=0 upcalls=0 switches=5 "));
        assert!(line.contains(
            " grants=514 rx_packets=0 tx_packets=0 rx_dropped=0 net_protocol_errors=0 rx_malformed=0 "
        ));
        assert!(line.ends_with(
            " blk_requests=40 blk_sectors_read=0 blk_sectors_written=2048 blk_flushes=1 \
             blk_bad_responses=0 blk_errors=0 image_pages_read=0 tx_gso_packets=0 tx_segments=0"
        ));
        assert_eq!(line.split(' ').count(), 41);
    }
}
