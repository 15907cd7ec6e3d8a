//! Built-in guest self-tests, run with `uk.test=<name>` on a kernel built
//! with the `selftest` feature. Each prints `key=value` results that
//! ci/boot_tests.py checks, and returns the exit status.
//!
//! Counters are read before and after the measured part with no console
//! output in between, so hypercall counts are exact.
use crate::mm::frames::Frames;
use crate::mm::pte::PAGE_SIZE;
use crate::mm::region::{Backing, Region, APP_REGION_START as B};
use crate::mm::space::Access;
use crate::mm::xen_mmu::frame_va;
use crate::println;
use crate::stats::HYPERCALLS;
use core::sync::atomic::Ordering::Relaxed;

/// Faults at once (the nested-fault test calls this from the handler).
pub fn fault_now() {
    // SAFETY: deliberately reads an unmapped address (8, in the unmapped
    // first page) to test the nested fault path; the fault never returns.
    unsafe { core::ptr::read_volatile(core::ptr::dangling::<u64>()) };
}

fn alloc_frame() -> u64 {
    crate::mm::with_space(|s| s.frames.alloc()).expect("a frame")
}

fn free_frame(pfn: u64) {
    crate::mm::with_space(|s| s.frames.free(pfn));
}

/// Runs test `name`; unknown names are an error (status 2).
pub fn run(name: &str, cmdline: &crate::cmdline::Cmdline) -> i32 {
    let args: heapless::Vec<&str, 32> = cmdline.app_args().take(32).collect();
    match name {
        "mm-touch" => mm_touch(&args),
        "mm-cow" => mm_cow(),
        "mm-zero" => mm_zero(),
        "mm-cycles" => mm_cycles(args.first().and_then(|n| n.parse().ok()).unwrap_or(1000)),
        "mm-oom" => mm_oom(),
        "mm-bad" => mm_bad(args.first().copied().unwrap_or("")),
        "trap" => trap(args.first().copied().unwrap_or("")),
        "mm-bench" => mm_bench(args.first().copied().unwrap_or("sequential")),
        "blk" => blk(&args),
        _ => {
            println!("selftest: unknown test {name:?}");
            2
        }
    }
}

#[derive(Clone, Copy)]
struct Snapshot {
    hypercalls: u64,
    faults: u64,
    tables: [u64; 3],
    mmu_updates: u64,
    multicall_entries: u64,
    free: u64,
}

/// Frames not held by the application region: free ones and the kernel
/// heap's (which may grow meanwhile, from the free ones).
fn free_or_heap() -> u64 {
    crate::mm::frame_counts().1 + crate::mm::heap::frames()
}

fn snapshot() -> Snapshot {
    let free = free_or_heap();
    crate::mm::with_space(|s| Snapshot {
        hypercalls: HYPERCALLS.get(),
        faults: s.stats.faults,
        tables: s.stats.tables,
        mmu_updates: s.mmu.counts.mmu_updates,
        multicall_entries: s.mmu.counts.multicall_entries,
        free,
    })
}

fn add(region: Region) {
    crate::mm::with_space(|s| s.add_region(region)).unwrap_or_else(|e| panic!("add_region: {e}"));
}

fn release(start: u64) {
    crate::mm::with_space(|s| s.release_region(start)).unwrap_or_else(|e| panic!("release: {e:?}"));
}

fn write(va: u64, v: u64) {
    // SAFETY: the address is in a region of the application region; the
    // access faults the page in (which is what is being tested).
    unsafe { (va as *mut u64).write_volatile(v) }
}

fn read(va: u64) -> u64 {
    // SAFETY: the address is in a region of the application region (or, in
    // the bad-access tests, deliberately not); the access faults the page
    // in, or ends in the crash report under test.
    unsafe { (va as *const u64).read_volatile() }
}

fn parse_offset(s: &str) -> Option<u64> {
    u64::from_str_radix(s.strip_prefix("0x")?, 16).ok()
}

/// Touches the pages at the given offsets into a 1 TiB zero-fill region,
/// writes a pattern into each and reads it back.
fn mm_touch(args: &[&str]) -> i32 {
    let offsets: heapless::Vec<u64, 32> = args.iter().filter_map(|a| parse_offset(a)).collect();
    add(Region::new("touch", B, 1 << 40, Backing::ZeroFill));
    let before = snapshot();
    for &off in &offsets {
        write(B + off, (B + off) ^ 0x5a5a_5a5a);
        write(B + off + PAGE_SIZE - 8, !(B + off));
    }
    let after = snapshot();
    let bad = offsets
        .iter()
        .filter(|&&off| {
            read(B + off) != (B + off) ^ 0x5a5a_5a5a || read(B + off + PAGE_SIZE - 8) != !(B + off)
        })
        .count();
    println!(
        "mm-touch: pages={} faults={} hypercalls={} tables_l1={} tables_l2={} tables_l3={} mmu_updates={} multicall_entries={} bad_patterns={}",
        offsets.len(),
        after.faults - before.faults,
        after.hypercalls - before.hypercalls,
        after.tables[0] - before.tables[0],
        after.tables[1] - before.tables[1],
        after.tables[2] - before.tables[2],
        after.mmu_updates - before.mmu_updates,
        after.multicall_entries - before.multicall_entries,
        bad,
    );
    release(B);
    let end = snapshot();
    println!("mm-touch: frames_returned={}", end.free - after.free);
    0
}

/// Fills a frame with a pattern through the physical map.
fn fill_frame(pfn: u64, seed: u64) {
    for i in 0..512 {
        // SAFETY: the frame was just allocated to this test; it is mapped
        // writable in the physical map and nothing else uses it.
        unsafe {
            frame_va(pfn)
                .cast::<u64>()
                .add(i)
                .write_volatile(seed + i as u64)
        };
    }
}

fn frame_word(pfn: u64, i: usize) -> u64 {
    // SAFETY: every frame is mapped in the physical map, and word `i` of
    // 512 lies inside the frame.
    unsafe { frame_va(pfn).cast::<u64>().add(i).read_volatile() }
}

/// Copy-on-write: reads see the source, the first write gets a private copy,
/// the source never changes. Also maps shared read-only frames.
fn mm_cow() -> i32 {
    let src = crate::mm::alloc_contiguous(2).expect("two frames");
    fill_frame(src, 1000);
    fill_frame(src + 1, 2000);
    add(Region::new(
        "cow",
        B,
        PAGE_SIZE,
        Backing::CopyOnWrite { first_pfn: src },
    ));
    add(Region::new(
        "shared",
        B + PAGE_SIZE,
        PAGE_SIZE,
        Backing::Frames { first_pfn: src + 1 },
    ));
    let cow_read = read(B + 8);
    let shared_read = read(B + PAGE_SIZE + 16);
    let mapped_src = crate::mm::with_space(|s| s.translate(B)).map(|p| p.mfn());
    let src_mfn = crate::mm::with_space(|s| crate::mm::mmu::PvMmu::pfn_to_mfn(&s.mmu, src));
    write(B + 8, 0xdead);
    let private = crate::mm::with_space(|s| s.translate(B)).map(|p| p.mfn());
    println!(
        "mm-cow: read={} shared_read={} mapped_source_before_write={} after_write={} source_word={} copy_rest_intact={}",
        cow_read,
        shared_read,
        mapped_src == Some(src_mfn),
        read(B + 8),
        frame_word(src, 1),
        (2..512).all(|i| read(B + 8 * i) == 1000 + i),
    );
    println!(
        "mm-cow: private_frame={}",
        private.is_some() && private != Some(src_mfn)
    );
    release(B);
    release(B + PAGE_SIZE);
    0
}

/// A zero-fill page reads as zeros even when its frame held data before.
fn mm_zero() -> i32 {
    let dirty = alloc_frame();
    fill_frame(dirty, 0x1234);
    // Tables first, so the data page is the frame we dirtied.
    add(Region::new("zero", B, 2 * PAGE_SIZE, Backing::ZeroFill));
    write(B + PAGE_SIZE, 1);
    free_frame(dirty);
    let nonzero = (0..512).filter(|&i| read(B + 8 * i) != 0).count();
    let reused = crate::mm::with_space(|s| {
        s.translate(B)
            .map(|p| crate::mm::mmu::PvMmu::mfn_to_pfn(&s.mmu, p.mfn()))
    });
    println!(
        "mm-zero: reused_dirty_frame={} nonzero_words={}",
        reused == Some(dirty),
        nonzero
    );
    release(B);
    0
}

/// Map, touch and release a region `cycles` times; frames must come back.
fn mm_cycles(cycles: u64) -> i32 {
    let before = snapshot();
    let tables_freed_before = crate::mm::with_space(|s| s.stats.tables_freed);
    let mut drift = 0;
    for c in 0..cycles {
        let base = B + (c % 7) * (1 << 30) + (c % 5) * (2 << 20);
        add(Region::new(
            "cycle",
            base,
            64 * PAGE_SIZE,
            Backing::ZeroFill,
        ));
        for page in [0, 1, 31, 63] {
            write(base + page * PAGE_SIZE + 8, c);
        }
        release(base);
        if snapshot().free != before.free {
            drift += 1;
        }
    }
    let after = snapshot();
    let freed = crate::mm::with_space(|s| s.stats.tables_freed) - tables_freed_before;
    let allocated: u64 = (0..3).map(|i| after.tables[i] - before.tables[i]).sum();
    println!(
        "mm-cycles: cycles={} free_before={} free_after={} cycles_with_drift={} faults={} tables_allocated={} tables_freed={}",
        cycles,
        before.free,
        after.free,
        drift,
        after.faults - before.faults,
        allocated,
        freed
    );
    0
}

/// Populating more than there is memory for is an error, not a crash.
fn mm_oom() -> i32 {
    let before = snapshot();
    add(Region::new("huge", B, 1 << 30, Backing::ZeroFill));
    let result = crate::mm::with_space(|s| s.populate(B, B + (1 << 30), Access::Write));
    let (_, free_at_error) = crate::mm::frame_counts();
    match result {
        Err(e) => println!(
            "mm-oom: error={e:?} free_at_error={free_at_error} reserve={}",
            crate::mm::reserve()
        ),
        Ok(()) => println!("mm-oom: error=none"),
    }
    release(B);
    let after = snapshot();
    println!(
        "mm-oom: free_before={} free_after={}",
        before.free, after.free
    );
    0
}

/// Bad accesses: each must end in a crash report.
fn mm_bad(kind: &str) -> i32 {
    let f = alloc_frame();
    add(Region::new(
        "code",
        B,
        PAGE_SIZE,
        Backing::Frames { first_pfn: f },
    ));
    add(Region::new(
        "guard",
        B + PAGE_SIZE,
        PAGE_SIZE,
        Backing::Guard,
    ));
    add(Region::new(
        "data",
        B + 2 * PAGE_SIZE,
        PAGE_SIZE,
        Backing::ZeroFill,
    ));
    println!("mm-bad: {kind}");
    match kind {
        "write-ro" => write(B + 16, 1),
        "guard" => {
            read(B + PAGE_SIZE + 8);
        }
        "outside" => {
            read(B + (1 << 30));
        }
        "exec" => {
            write(B + 2 * PAGE_SIZE, 0xc3); // ret
                                            // SAFETY: deliberately jumps into a non-executable page; the
                                            // fetch faults and ends in the crash report under test.
            let f: extern "C" fn() = unsafe { core::mem::transmute(B + 2 * PAGE_SIZE) };
            f();
        }
        "oom-fault" => {
            let free = crate::mm::frame_counts().1;
            add(Region::new(
                "big",
                B + (1 << 30),
                (free + 16) * PAGE_SIZE,
                Backing::ZeroFill,
            ));
            for p in 0..free + 16 {
                write(B + (1 << 30) + p * PAGE_SIZE, p);
            }
        }
        "in-mm" => {
            // A fault from code holding the memory manager's lock.
            crate::mm::with_space(|_| read(B + 2 * PAGE_SIZE));
        }
        _ => {
            println!("mm-bad: unknown kind {kind:?}");
            return 2;
        }
    }
    println!("mm-bad: survived {kind}");
    1
}

/// Exceptions other than demand faults.
fn trap(kind: &str) -> i32 {
    println!("trap: {kind}");
    match kind {
        // SAFETY: raises #UD on purpose, to test the crash report; the
        // exception never returns here.
        "ud2" => unsafe { core::arch::asm!("ud2") },
        // SAFETY: raises #BP on purpose; it never returns here.
        "int3" => unsafe { core::arch::asm!("int3") },
        // SAFETY: divides by zero on purpose (#DE); it never returns here.
        "div0" => unsafe {
            core::arch::asm!("xor ecx, ecx", "div ecx", out("eax") _, out("edx") _, out("ecx") _)
        },
        "null" => {
            // SAFETY: reads address 0 on purpose: the fault ends in the
            // crash report under test.
            unsafe { core::ptr::read_volatile(core::ptr::null::<u64>()) };
        }
        "nested" => {
            crate::trap::FAULT_IN_HANDLER.store(true, Relaxed);
            add(Region::new("data", B, PAGE_SIZE, Backing::ZeroFill));
            write(B, 1);
        }
        "stack-overflow" => {
            recurse(0);
        }
        "write-text" => {
            // The runtime's code is mapped read-only.
            let text = run as *const () as *mut u8;
            // Keep HANDLER_DATA writable data rather than constant.
            // SAFETY: one thread runs self-tests, and nothing else uses
            // HANDLER_DATA; the byte is inside it.
            unsafe {
                core::ptr::addr_of_mut!(HANDLER_DATA)
                    .cast::<u8>()
                    .write_volatile(0xc3)
            };
            // SAFETY: writes the runtime's own (read-only) code on purpose:
            // the fault ends in the crash report under test.
            unsafe { text.write_volatile(0x90) };
        }
        "exec-data" | "exec-rodata" => {
            // The runtime's data and read-only data are mapped no-execute.
            let data = if kind == "exec-data" {
                core::ptr::addr_of!(HANDLER_DATA) as usize
            } else {
                core::ptr::addr_of!(HANDLER_RODATA) as usize
            };
            // SAFETY: jumps into no-execute data on purpose: the fetch
            // faults and ends in the crash report under test.
            let f: extern "C" fn() = unsafe { core::mem::transmute(data) };
            f();
        }
        "handled-fault-returns" => {
            add(Region::new("data", B, PAGE_SIZE, Backing::ZeroFill));
            // Every register must survive a handled fault.
            let r = fault_preserves_registers(B);
            println!("trap: registers_preserved={r}");
            return 0;
        }
        _ => {
            println!("trap: unknown kind {kind:?}");
            return 2;
        }
    }
    println!("trap: survived {kind}");
    1
}

/// Data for the exec tests: `ret` instructions, writable and read-only.
static mut HANDLER_DATA: [u8; 16] = [0xc3; 16];
static HANDLER_RODATA: [u8; 16] = [0xc3; 16];

#[inline(never)]
#[allow(unconditional_recursion)]
fn recurse(depth: u64) -> u64 {
    let pad = [depth; 64];
    core::hint::black_box(&pad);
    recurse(depth + 1) + pad[3]
}

/// Loads known values into every general register, touches `va` (a demand
/// fault), and checks the registers still hold them.
fn fault_preserves_registers(va: u64) -> bool {
    let ok: u64;
    // SAFETY: writes to `va`, a zero-fill page of a test region; all
    // registers it changes are declared.
    unsafe {
        core::arch::asm!(
            "push rbx",
            "push rbp",
            "mov rax, 0x1111", "mov rbx, 0x2222", "mov rcx, 0x3333", "mov rdx, 0x4444",
            "mov rsi, 0x5555", "mov rbp, 0x6666", "mov r8, 0x8888", "mov r9, 0x9999",
            "mov r10, 0xaaaa", "mov r11, 0xbbbb", "mov r12, 0xcccc", "mov r13, 0xdddd",
            "mov r14, 0xeeee", "mov r15, 0xffff",
            "mov qword ptr [rdi], 1",
            "xor edi, edi",
            "cmp rax, 0x1111", "setne dil", "cmp rbx, 0x2222", "setne al", "or dil, al",
            "cmp rcx, 0x3333", "setne al", "or dil, al", "cmp rdx, 0x4444", "setne al", "or dil, al",
            "cmp rsi, 0x5555", "setne al", "or dil, al", "cmp rbp, 0x6666", "setne al", "or dil, al",
            "cmp r8, 0x8888", "setne al", "or dil, al", "cmp r9, 0x9999", "setne al", "or dil, al",
            "cmp r10, 0xaaaa", "setne al", "or dil, al", "cmp r11, 0xbbbb", "setne al", "or dil, al",
            "cmp r12, 0xcccc", "setne al", "or dil, al", "cmp r13, 0xdddd", "setne al", "or dil, al",
            "cmp r14, 0xeeee", "setne al", "or dil, al", "cmp r15, 0xffff", "setne al", "or dil, al",
            "pop rbp",
            "pop rbx",
            inout("rdi") va => ok,
            out("rax") _, out("rcx") _, out("rdx") _, out("rsi") _,
            out("r8") _, out("r9") _, out("r10") _, out("r11") _,
            out("r12") _, out("r13") _, out("r14") _, out("r15") _,
        );
    }
    ok & 0xff == 0
}

/// Per-fault cost for a touch pattern: counts and TSC cycles, split into
/// time inside hypercalls (Xen) and the rest (the guest's handler).
fn mm_bench(pattern: &str) -> i32 {
    const PAGES: u64 = 512;
    let offset = |i: u64| match pattern {
        "scattered" => (i * 0x9e37_79b9 % 4096) * (2 << 20) + (i % 7) * PAGE_SIZE,
        _ => i * PAGE_SIZE,
    };
    add(Region::new("bench", B, 1 << 40, Backing::ZeroFill));
    let before = snapshot();
    let xen_before = crate::mm::with_space(|s| s.mmu.counts.hypercall_cycles);
    let t0 = crate::arch::rdtsc();
    for i in 0..PAGES {
        write(B + offset(i), i);
    }
    let cycles = crate::arch::rdtsc() - t0;
    let after = snapshot();
    let xen = crate::mm::with_space(|s| s.mmu.counts.hypercall_cycles) - xen_before;
    let faults = after.faults - before.faults;
    let tables: u64 = (0..3).map(|i| after.tables[i] - before.tables[i]).sum();
    println!(
        "mm-bench: pattern={pattern} faults={faults} tables={tables} hypercalls_per_fault={:.3} mmu_updates_per_fault={:.3} \
         tsc_cycles_per_fault={} xen_cycles_per_fault={} guest_cycles_per_fault={}",
        (after.hypercalls - before.hypercalls) as f64 / faults as f64,
        (after.mmu_updates - before.mmu_updates) as f64 / faults as f64,
        cycles / faults,
        xen / faults,
        (cycles - xen) / faults,
    );
    release(B);
    0
}

/// The `key=value` argument `key`, if given.
fn arg<'a>(args: &[&'a str], key: &str) -> Option<&'a str> {
    args.iter()
        .find_map(|a| a.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

/// The pattern byte at byte `offset` of the disk (ci/boot_tests.py
/// computes the same).
fn blk_pattern(offset: u64, seed: u64) -> u8 {
    (offset ^ offset >> 8 ^ offset >> 16 ^ seed) as u8
}

/// FNV-1a (64 bits) of `data`.
fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// blkfront on a real backend, without the file layer: writes a pattern
/// to the last `count` sectors of `disk` (default xvda, 128 sectors),
/// flushes, reads it back, prints what happened and an FNV-1a checksum
/// of what was read. `bench=MIB` then times a raw write and read of MIB
/// MiB from sector 0 (it overwrites the start of the disk). The disk is
/// closed at the end, as at shutdown.
fn blk(args: &[&str]) -> i32 {
    use crate::fs::block::BlockDevice;
    let name = arg(args, "disk").unwrap_or("xvda");
    let seed: u64 = arg(args, "seed")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5a);
    let count: u64 = arg(args, "count")
        .and_then(|v| v.parse().ok())
        .unwrap_or(128);
    println!("blk: disks={}", crate::blk::names().join(","));
    let Some(mut disk) = crate::blk::take(name) else {
        println!("blk: no disk {name}");
        return 1;
    };
    if crate::blk::take(name).is_some() {
        println!("blk: {name} was handed out twice");
        return 1;
    }
    let ss = disk.sector_size() as u64;
    let count = count.min(disk.sectors());
    let first = disk.sectors() - count;
    let base = first * ss;
    let data: alloc::vec::Vec<u8> = (0..count * ss)
        .map(|i| blk_pattern(base + i, seed))
        .collect();
    let result = |r: Result<(), crate::fs::block::BlockError>| match r {
        Ok(()) => alloc::string::String::from("ok"),
        Err(e) => alloc::format!("\"{e}\" errno={}", e.errno() as i32),
    };
    let write = result(disk.write(first, &data));
    let flush = result(disk.flush());
    let mut back = alloc::vec![0u8; data.len()];
    let read = result(disk.read(first, &mut back));
    println!(
        "blk: disk={} sectors={} sector_size={ss} read_only={} first={first} count={count}",
        disk.name(),
        disk.sectors(),
        disk.read_only() as u8
    );
    println!("blk: write={write}");
    println!("blk: flush={flush}");
    println!(
        "blk: read={read} matches={} fnv1a={:#018x}",
        (back == data) as u8,
        fnv1a(&back)
    );
    if let Some(mib) = arg(args, "bench").and_then(|v| v.parse::<u64>().ok()) {
        blk_bench(&mut disk, mib);
    }
    if let Some(secs) = arg(args, "until-gone").and_then(|v| v.parse::<u64>().ok()) {
        // Reads until the disk fails (xl block-detach from dom0) or `secs`
        // pass: the failure is an error, not a crash.
        println!("blk: reading until the disk goes");
        let end = crate::time::now_ns() + secs * 1_000_000_000;
        let mut reads = 0u64;
        let outcome = loop {
            if crate::time::now_ns() >= end {
                break alloc::string::String::from("still there");
            }
            match disk.read(first, &mut back[..ss as usize]) {
                Ok(()) => reads += 1,
                Err(e) => break result(Err(e)),
            }
            crate::sched::sleep_until(crate::time::now_ns() + 10_000_000);
        };
        let before = if reads > 0 { "some" } else { "none" };
        println!("blk: reads ended: {outcome}; good reads before it: {before}");
    }
    crate::blk::shutdown();
    let after = disk.read(first, &mut back[..ss as usize]);
    println!("blk: closed; read after shutdown={}", result(after));
    0
}

/// Raw throughput: `mib` MiB written (then flushed) and read back from
/// sector 0 in 1 MiB calls.
fn blk_bench(disk: &mut crate::blk::Disk, mib: u64) {
    use crate::fs::block::BlockDevice;
    let chunk = 1usize << 20;
    let per = (chunk / disk.sector_size()) as u64;
    let mib = mib.min(disk.sectors() / per);
    let buf: alloc::vec::Vec<u8> = (0..chunk).map(|i| (i * 7) as u8).collect();
    let t0 = crate::time::now_ns();
    for i in 0..mib {
        if let Err(e) = disk.write(i * per, &buf) {
            println!("blk-bench: write: {e}");
            return;
        }
    }
    let _ = disk.flush();
    let t1 = crate::time::now_ns();
    let mut back = alloc::vec![0u8; chunk];
    let mut same = true;
    for i in 0..mib {
        if let Err(e) = disk.read(i * per, &mut back) {
            println!("blk-bench: read: {e}");
            return;
        }
        same &= back == buf;
    }
    let t2 = crate::time::now_ns();
    let rate = |ns: u64| mib as f64 * 1e9 / ns.max(1) as f64;
    println!(
        "blk-bench: mib={mib} write_ms={} read_ms={} write_mib_s={:.1} read_mib_s={:.1} matches={}",
        (t1 - t0) / 1_000_000,
        (t2 - t1) / 1_000_000,
        rate(t1 - t0),
        rate(t2 - t1),
        same as u8
    );
}
