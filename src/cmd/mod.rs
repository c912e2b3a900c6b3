//! The commands, one module each. Each takes what the user typed for it, resolves its own
//! settings, and returns the exit code; none calls back into this dispatcher.

mod explain;
mod fix;
mod hook;
mod merge;
mod revoke;
mod rules;
mod scan;

use anyhow::Result;

use crate::cli::{Command, RulesAction, SchemaKind};

/// Run one command; the exit code is 0 clean, 1 findings, 2 error.
pub fn run(command: Command) -> Result<i32> {
    match command {
        Command::Scan(args) => scan::run(&args, false),
        Command::Baseline(args) => scan::run(&args.scan, true),
        Command::Explain(args) => explain::run(&args),
        Command::InstallHook(args) => hook::install(&args),
        Command::Fix(args) => fix::run(&args),
        Command::Revoke(args) => revoke::run(&args),
        Command::Merge(args) => merge::run(&args),
        Command::Rules {
            action: RulesAction::List(c),
        } => rules::list(&c),
        Command::Rules {
            action: RulesAction::Check(c),
        } => rules::check(&c),
        Command::Schema { which } => {
            print!(
                "{}",
                match which {
                    SchemaKind::Report => crate::report::json::schema(),
                    SchemaKind::Config => crate::config::schema(),
                }
            );
            Ok(0)
        }
    }
}
