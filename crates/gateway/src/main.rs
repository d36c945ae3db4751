use std::process::ExitCode;

use clap::Parser;

// mimalloc instead of glibc's malloc: a lookup's allocations took ~12 % of the
// gateway's CPU under glibc (docs/benchmarks.md, profile).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    gateway::cli::run(gateway::cli::Cli::parse()).await
}
