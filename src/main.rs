//! keywarden: parse the command line, run it, exit 0 (clean), 1 (findings) or 2 (error).

mod baseline;
mod change;
mod checklist;
mod chunk;
mod civil;
mod cli;
mod cmd;
mod confidence;
mod config;
mod contexts;
mod decode;
mod entropy;
mod envfile;
mod escape;
mod finding;
mod fingerprint;
mod fsutil;
mod generic;
mod hygiene;
mod leb128;
mod linehash;
mod matcher;
mod messages;
mod pipeline;
mod placeholders;
#[cfg(test)]
mod proptests;
mod redact;
mod report;
mod rules;
#[cfg(test)]
mod schema_check;
mod selftest;
mod settings;
mod severity;
mod source;
mod validate;
mod verify;
mod yaml;

use clap::Parser;

/// mimalloc on every target (see Cargo.toml): musl's allocator serialises the scan's threads,
/// and glibc's took a seventh of a history scan's CPU.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let code = match cmd::run(cli.command) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => 0,
        Err(e) => {
            // No control character from a file name reaches the terminal.
            eprintln!("keywarden: error: {}", escape::visible(&format!("{e:#}")));
            2
        }
    };
    std::process::exit(code);
}

/// `keywarden scan | head` closes our stdout early; that is not an error worth a message.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
