//! Host test: every structure and number of the ABI module against Xen's
//! public headers. A C program, generated from the table below, prints
//! `sizeof`, `offsetof` and the constants as the C compiler sees them; the
//! test compares each with the Rust side. The headers come from libxen-dev
//! (installed by ci/install-deps); without them the test fails, it does not
//! skip.
use super::grant::*;
use super::io::*;
use super::*;
use core::mem::{offset_of, size_of};
use std::fmt::Write as _;
use std::process::Command;

/// One thing to compare: a name, the Rust value, the C expression.
struct Item {
    name: String,
    rust: i128,
    c_expr: String,
}

#[derive(Default)]
struct Table(Vec<Item>);

impl Table {
    fn push(&mut self, name: String, rust: i128, c_expr: String) {
        self.0.push(Item { name, rust, c_expr });
    }
}

/// `layout!(t, RustType, "struct c_type", rust_field => "c.field", ...)`:
/// the size and every listed field's offset.
macro_rules! layout {
    ($t:expr, $rust:ty, $c:literal $(, $rf:ident $(. $rf2:ident)* => $cf:literal)* $(,)?) => {{
        $t.push(format!("sizeof {}", $c), size_of::<$rust>() as i128, format!("sizeof({})", $c));
        offsets!($t, $rust, $c $(, $rf $(. $rf2)* => $cf)*);
    }};
}

/// `offsets!(...)`: as `layout!`, without the size (for a type that mirrors
/// the head of a C structure).
macro_rules! offsets {
    ($t:expr, $rust:ty, $c:literal $(, $rf:ident $(. $rf2:ident)* => $cf:literal)* $(,)?) => {{
        $(
            $t.push(
                format!("offsetof {}.{}", $c, $cf),
                offset_of!($rust, $rf $(. $rf2)*) as i128,
                format!("offsetof({}, {})", $c, $cf),
            );
        )*
    }};
}

/// `constants!(t, RUST = "C_NAME", ...)`.
macro_rules! constants {
    ($t:expr $(, $rust:expr => $c:literal)* $(,)?) => {{
        $( $t.push(format!("const {}", $c), $rust as i128, $c.to_string()); )*
    }};
}

fn table() -> Table {
    let mut t = Table::default();
    // xen.h and friends, through xen-sys.
    layout!(t, start_info, "struct start_info", nr_pages => "nr_pages", shared_info => "shared_info",
        flags => "flags", store_mfn => "store_mfn", store_evtchn => "store_evtchn",
        console => "console", pt_base => "pt_base", nr_pt_frames => "nr_pt_frames",
        mfn_list => "mfn_list", mod_start => "mod_start", mod_len => "mod_len",
        cmd_line => "cmd_line");
    layout!(t, shared_info, "struct shared_info", vcpu_info => "vcpu_info",
        evtchn_pending => "evtchn_pending", evtchn_mask => "evtchn_mask",
        wc_version => "wc_version", wc_sec => "wc_sec", wc_nsec => "wc_nsec",
        wc_sec_hi => "wc_sec_hi");
    layout!(t, vcpu_info, "struct vcpu_info", evtchn_upcall_pending => "evtchn_upcall_pending",
        evtchn_upcall_mask => "evtchn_upcall_mask", evtchn_pending_sel => "evtchn_pending_sel",
        arch.cr2 => "arch.cr2", time => "time");
    layout!(t, vcpu_time_info, "struct vcpu_time_info", version => "version",
        tsc_timestamp => "tsc_timestamp", system_time => "system_time",
        tsc_to_system_mul => "tsc_to_system_mul", tsc_shift => "tsc_shift");
    layout!(t, mmu_update, "struct mmu_update", ptr => "ptr", val => "val");
    layout!(t, mmuext_op, "struct mmuext_op", cmd => "cmd", arg1 => "arg1", arg2 => "arg2");
    layout!(t, multicall_entry, "struct multicall_entry", op => "op", result => "result",
        args => "args");
    layout!(t, trap_info, "struct trap_info", vector => "vector", flags => "flags", cs => "cs",
        address => "address");
    layout!(t, SchedShutdown, "struct sched_shutdown", reason => "reason");
    layout!(t, VcpuRunstateInfo, "struct vcpu_runstate_info", state => "state",
        state_entry_time => "state_entry_time", time => "time");
    layout!(t, evtchn_alloc_unbound, "struct evtchn_alloc_unbound", dom => "dom",
        remote_dom => "remote_dom", port => "port");
    layout!(t, evtchn_bind_virq, "struct evtchn_bind_virq", virq => "virq", vcpu => "vcpu",
        port => "port");
    layout!(t, evtchn_send, "struct evtchn_send", port => "port");
    layout!(t, evtchn_close, "struct evtchn_close", port => "port");
    layout!(t, VcpuSetPeriodicTimer, "struct vcpu_set_periodic_timer", period_ns => "period_ns");
    layout!(t, PhysdevSetIopl, "struct physdev_set_iopl", iopl => "iopl");
    constants!(t,
        DOMID_SELF => "DOMID_SELF", UVMF_INVLPG => "UVMF_INVLPG",
        XENVER_VERSION => "XENVER_version", XENVER_EXTRAVERSION => "XENVER_extraversion",
        XEN_EXTRAVERSION_LEN => "sizeof(xen_extraversion_t)",
        VCPUOP_STOP_PERIODIC_TIMER => "VCPUOP_stop_periodic_timer",
        VCPUOP_SET_PERIODIC_TIMER => "VCPUOP_set_periodic_timer",
        HYPERVISOR_PHYSDEV_OP => "__HYPERVISOR_physdev_op",
        PHYSDEVOP_SET_IOPL => "PHYSDEVOP_set_iopl",
        VCPUOP_GET_RUNSTATE_INFO => "VCPUOP_get_runstate_info",
        RUNSTATE_RUNNING => "RUNSTATE_running",
        MACH2PHYS_VIRT_START => "MACH2PHYS_VIRT_START",
        PAGE_SIZE => "(1 << XEN_PAGE_SHIFT)",
        SHUTDOWN_poweroff => "SHUTDOWN_poweroff", SHUTDOWN_reboot => "SHUTDOWN_reboot",
        SHUTDOWN_crash => "SHUTDOWN_crash",
        EVTCHNOP_alloc_unbound => "EVTCHNOP_alloc_unbound",
        EVTCHNOP_bind_virq => "EVTCHNOP_bind_virq", EVTCHNOP_send => "EVTCHNOP_send",
        EVTCHNOP_close => "EVTCHNOP_close", EVTCHNOP_unmask => "EVTCHNOP_unmask",
        SIF_INITDOMAIN => "SIF_INITDOMAIN", SIF_MOD_START_PFN => "SIF_MOD_START_PFN",
        MMU_NORMAL_PT_UPDATE => "MMU_NORMAL_PT_UPDATE",
        MMUEXT_PIN_L1_TABLE => "MMUEXT_PIN_L1_TABLE", MMUEXT_UNPIN_TABLE => "MMUEXT_UNPIN_TABLE",
        MMUEXT_TLB_FLUSH_LOCAL => "MMUEXT_TLB_FLUSH_LOCAL",
        MMUEXT_INVLPG_LOCAL => "MMUEXT_INVLPG_LOCAL",
        MMUEXT_NEW_USER_BASEPTR => "MMUEXT_NEW_USER_BASEPTR",
        __HYPERVISOR_stack_switch => "__HYPERVISOR_stack_switch",
        FLAT_KERNEL_SS => "FLAT_KERNEL_SS", FLAT_USER_CS => "FLAT_USER_CS",
        FLAT_USER_SS => "FLAT_USER_SS",
        __HYPERVISOR_grant_table_op => "__HYPERVISOR_grant_table_op",
        __HYPERVISOR_vcpu_op => "__HYPERVISOR_vcpu_op",
    );
    t.push(
        "const TI_SET_IF".into(),
        TI_MASK_EVENTS as i128,
        "({ struct trap_info ti = { 0 }; TI_SET_IF(&ti, 1); ti.flags; })".into(),
    );

    // grant_table.h
    layout!(t, GrantEntryV1, "struct grant_entry_v1", flags => "flags", domid => "domid",
        frame => "frame");
    layout!(t, GnttabSetupTable, "struct gnttab_setup_table", dom => "dom",
        nr_frames => "nr_frames", status => "status", frame_list => "frame_list");
    layout!(t, GnttabQuerySize, "struct gnttab_query_size", dom => "dom",
        nr_frames => "nr_frames", max_nr_frames => "max_nr_frames", status => "status");
    constants!(t,
        GTF_INVALID => "GTF_invalid", GTF_PERMIT_ACCESS => "GTF_permit_access",
        GTF_READONLY => "GTF_readonly", GTF_READING => "GTF_reading",
        GTF_WRITING => "GTF_writing", GNTTABOP_SETUP_TABLE => "GNTTABOP_setup_table",
        GNTTABOP_QUERY_SIZE => "GNTTABOP_query_size", GNTST_OKAY => "GNTST_okay",
    );

    // io/console.h, io/xs_wire.h
    layout!(t, XenconsInterface, "struct xencons_interface", input => "in", output => "out",
        in_cons => "in_cons", in_prod => "in_prod", out_cons => "out_cons",
        out_prod => "out_prod");
    layout!(t, XenstoreDomainInterface, "struct xenstore_domain_interface", req => "req",
        rsp => "rsp", req_cons => "req_cons", req_prod => "req_prod", rsp_cons => "rsp_cons",
        rsp_prod => "rsp_prod", server_features => "server_features",
        connection => "connection", error => "error");
    layout!(t, XsdSockmsg, "struct xsd_sockmsg", ty => "type", req_id => "req_id",
        tx_id => "tx_id", len => "len");
    constants!(t,
        XENSTORE_RING_SIZE => "XENSTORE_RING_SIZE",
        XENSTORE_PAYLOAD_MAX => "XENSTORE_PAYLOAD_MAX",
        XENSTORE_SERVER_FEATURE_RECONNECTION => "XENSTORE_SERVER_FEATURE_RECONNECTION",
        XENSTORE_SERVER_FEATURE_ERROR => "XENSTORE_SERVER_FEATURE_ERROR",
        XENSTORE_CONNECTED => "XENSTORE_CONNECTED", XENSTORE_RECONNECT => "XENSTORE_RECONNECT",
    );
    for (i, ty) in crate::xen::xenstore::wire::MsgType::ALL.iter().enumerate() {
        let c = crate::xen::xenstore::wire::MsgType::C_NAMES[i];
        t.push(format!("const {c}"), *ty as i128, c.to_string());
    }

    // io/ring.h: the header of a ring page, and the entries per page.
    offsets!(t, SringHeader, "struct netif_tx_sring", req_prod => "req_prod",
        req_event => "req_event", rsp_prod => "rsp_prod", rsp_event => "rsp_event",
        pvt => "pvt");
    t.push(
        "offsetof struct netif_tx_sring.ring".into(),
        size_of::<SringHeader>() as i128,
        "offsetof(struct netif_tx_sring, ring)".into(),
    );
    use crate::xen::ring::entries_per_page as entries;
    let ring = |t: &mut Table, name: &str, n: u32| {
        t.push(
            format!("ring {name}"),
            n as i128,
            format!("__CONST_RING_SIZE({name}, 4096)"),
        );
    };
    ring(
        &mut t,
        "netif_tx",
        entries::<NetifTxRequest, NetifTxResponse>(),
    );
    ring(
        &mut t,
        "netif_rx",
        entries::<NetifRxRequest, NetifRxResponse>(),
    );
    ring(&mut t, "blkif", entries::<BlkifRequest, BlkifResponse>());

    // io/netif.h
    layout!(t, NetifTxRequest, "struct netif_tx_request", gref => "gref", offset => "offset",
        flags => "flags", id => "id", size => "size");
    layout!(t, NetifTxResponse, "struct netif_tx_response", id => "id", status => "status");
    layout!(t, NetifRxRequest, "struct netif_rx_request", id => "id", gref => "gref");
    layout!(t, NetifRxResponse, "struct netif_rx_response", id => "id", offset => "offset",
        flags => "flags", status => "status");
    layout!(t, NetifExtraInfo, "struct netif_extra_info", ty => "type", flags => "flags",
        u => "u");
    constants!(t,
        NETTXF_CSUM_BLANK => "NETTXF_csum_blank", NETTXF_DATA_VALIDATED => "NETTXF_data_validated",
        NETTXF_MORE_DATA => "NETTXF_more_data", NETTXF_EXTRA_INFO => "NETTXF_extra_info",
        NETRXF_DATA_VALIDATED => "NETRXF_data_validated", NETRXF_CSUM_BLANK => "NETRXF_csum_blank",
        NETRXF_MORE_DATA => "NETRXF_more_data", NETRXF_EXTRA_INFO => "NETRXF_extra_info",
        NETIF_RSP_DROPPED => "NETIF_RSP_DROPPED", NETIF_RSP_ERROR => "NETIF_RSP_ERROR",
        NETIF_RSP_OKAY => "NETIF_RSP_OKAY", NETIF_RSP_NULL => "NETIF_RSP_NULL",
    );

    // io/blkif.h
    layout!(t, BlkifRequestSegment, "struct blkif_request_segment", gref => "gref",
        first_sect => "first_sect", last_sect => "last_sect");
    layout!(t, BlkifRequest, "struct blkif_request", operation => "operation",
        nr_segments => "nr_segments", handle => "handle", id => "id",
        sector_number => "sector_number", seg => "seg");
    layout!(t, BlkifResponse, "struct blkif_response", id => "id", operation => "operation",
        status => "status");
    constants!(t,
        BLKIF_MAX_SEGMENTS_PER_REQUEST => "BLKIF_MAX_SEGMENTS_PER_REQUEST",
        BLKIF_OP_READ => "BLKIF_OP_READ", BLKIF_OP_WRITE => "BLKIF_OP_WRITE",
        BLKIF_OP_WRITE_BARRIER => "BLKIF_OP_WRITE_BARRIER",
        BLKIF_OP_FLUSH_DISKCACHE => "BLKIF_OP_FLUSH_DISKCACHE",
        BLKIF_RSP_EOPNOTSUPP => "BLKIF_RSP_EOPNOTSUPP", BLKIF_RSP_ERROR => "BLKIF_RSP_ERROR",
        BLKIF_RSP_OKAY => "BLKIF_RSP_OKAY", VDISK_READONLY => "VDISK_READONLY",
    );

    // io/xenbus.h
    constants!(t,
        XENBUS_STATE_UNKNOWN => "XenbusStateUnknown",
        XENBUS_STATE_INITIALISING => "XenbusStateInitialising",
        XENBUS_STATE_INIT_WAIT => "XenbusStateInitWait",
        XENBUS_STATE_INITIALISED => "XenbusStateInitialised",
        XENBUS_STATE_CONNECTED => "XenbusStateConnected",
        XENBUS_STATE_CLOSING => "XenbusStateClosing",
        XENBUS_STATE_CLOSED => "XenbusStateClosed",
        XENBUS_STATE_RECONFIGURING => "XenbusStateReconfiguring",
        XENBUS_STATE_RECONFIGURED => "XenbusStateReconfigured",
    );
    t
}

const HEADERS: &[&str] = &[
    "xen/xen.h",
    "xen/version.h",
    "xen/grant_table.h",
    "xen/event_channel.h",
    "xen/vcpu.h",
    "xen/physdev.h",
    "xen/sched.h",
    "xen/io/console.h",
    "xen/io/xs_wire.h",
    "xen/io/ring.h",
    "xen/io/netif.h",
    "xen/io/blkif.h",
    "xen/io/xenbus.h",
];

fn c_program(t: &Table) -> String {
    let mut c = String::from("#include <stdio.h>\n#include <stddef.h>\n#include <stdint.h>\n");
    for h in HEADERS {
        writeln!(c, "#include <{h}>").unwrap();
    }
    c.push_str("int main(void) {\n");
    for item in &t.0 {
        writeln!(
            c,
            "    printf(\"%s=%lld\\n\", \"{}\", (long long)({}));",
            item.name, item.c_expr
        )
        .unwrap();
    }
    c.push_str("    return 0;\n}\n");
    c
}

#[test]
fn every_mirrored_structure_and_number_matches_xens_headers() {
    let t = table();
    let dir = std::env::temp_dir().join(format!("ukrt-abi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("abi.c");
    let exe = dir.join("abi");
    std::fs::write(&src, c_program(&t)).unwrap();
    let cc = Command::new("gcc")
        .arg("-D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__")
        .arg("-o")
        .arg(&exe)
        .arg(&src)
        .output()
        .expect("gcc runs");
    assert!(
        cc.status.success(),
        "compiling against Xen's headers failed (is libxen-dev installed? \
         ci/install-deps installs it):\n{}",
        String::from_utf8_lossy(&cc.stderr)
    );
    let out = Command::new(&exe).output().expect("the probe runs");
    let text = String::from_utf8(out.stdout).unwrap();
    let c: std::collections::HashMap<&str, i128> = text
        .lines()
        .filter_map(|l| l.rsplit_once('='))
        .map(|(k, v)| (k, v.parse().unwrap()))
        .collect();
    // Compare as 64-bit patterns: C prints everything as a long long.
    let bits = |v: i128| v as u64;
    let mut wrong = Vec::new();
    for item in &t.0 {
        match c.get(item.name.as_str()) {
            Some(&v) if bits(v) == bits(item.rust) => {}
            Some(&v) => wrong.push(format!("{}: Rust {} but C {}", item.name, item.rust, v)),
            None => wrong.push(format!("{}: not printed by the probe", item.name)),
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    assert!(t.0.len() > 150, "the table covers the ABI");
    assert!(wrong.is_empty(), "ABI mismatches:\n{}", wrong.join("\n"));
}
