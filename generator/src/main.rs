//! The `vouch` binary. Everything lives in the library; see `cli`.

/// jemalloc, not the system allocator: it keeps a large build's peak memory
/// lower (freed memory is not stranded in per-thread arenas) and is faster.
/// On x86-64 Linux only (see `Cargo.toml`).
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    vouch::cli::main()
}
