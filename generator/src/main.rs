//! The `vouch` binary. Everything lives in the library; see `cli`.

fn main() -> std::process::ExitCode {
    vouch::cli::main()
}
