//! The `abp` binary: parses arguments and hands over to `abp_host::cli`, which prints errors
//! (with their causes) and returns the exit code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = abp_host::cli::Cli::parse();
    std::process::ExitCode::from(abp_host::cli::main_with(cli))
}
