//! The `abp` binary: parses arguments and hands over to `abp_host::cli`, which prints errors
//! (with their causes) and returns the exit code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    restore_sigpipe();
    let cli = abp_host::cli::Cli::parse();
    std::process::ExitCode::from(abp_host::cli::main_with(cli))
}

/// Rust ignores SIGPIPE, so `abp runs | head` would end in a panic on the closed pipe. A
/// command-line tool should just stop, as `cat` does.
#[cfg(unix)]
fn restore_sigpipe() {
    // SAFETY: called first thing in `main`, before any other thread exists; it only resets a
    // signal disposition to the system default.
    #[allow(unsafe_code, reason = "resetting SIGPIPE needs libc; see SAFETY")]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn restore_sigpipe() {}
