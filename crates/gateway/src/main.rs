use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    gateway::cli::run(gateway::cli::Cli::parse()).await
}
