//! Build script of the guest SDK:
//! * puts `link/` (which holds `ziskjit-guest.ld`) on the linker search path of every
//!   binary that depends on this crate, so a guest links with
//!   `-C link-arg=-Tziskjit-guest.ld` (set once in the guest workspace's
//!   `.cargo/config.toml`) without knowing where the SDK lives on disk;
//! * sets `cfg(guest)` when building for a bare-metal riscv64 target, the only place
//!   the runtime (syscalls, `_start`, allocator, panic handler) can exist.

fn main() {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let link_dir = std::path::Path::new(&manifest_dir).join("link");
    println!("cargo::rustc-link-search=native={}", link_dir.display());
    println!("cargo::rerun-if-changed=link/ziskjit-guest.ld");

    println!("cargo::rustc-check-cfg=cfg(guest)");
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if arch == "riscv64" && os == "none" {
        println!("cargo::rustc-cfg=guest");
    }
}
