//! One integration test binary (ripgrep's and Nosey Parker's layout): each module runs the
//! built `keywarden` as a user would, on real files and real git repositories in temp dirs.
//! Unix-only: the suite checks file modes, links, FIFOs and shell hooks (on Windows, the unit
//! tests run).
#![cfg(unix)]

mod util;
mod verify;

mod accuracy;
mod action;
mod attacks;
mod cli;
mod confidence;
mod config;
mod containers;
mod git;
mod history;
mod hooks;
mod hostile;
mod html;
mod hygiene;
mod layering;
mod merge;
mod org;
mod providers;
mod sarif;
mod schemas;
mod snapshots;
mod trust;
