//! `keywarden fix`: repair what the hygiene rules found. A dry run unless `--apply`: restrict
//! secret files to 0600, add the missing lines to `.gitignore`, write `.env.example` from `.env`
//! with placeholders (never a value), and print (never run) `git rm --cached` for tracked env
//! files. Every write is atomic and keeps the file's other content.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::chunk::Provenance;
use crate::cli::FixArgs;
use crate::envfile::parse;
use crate::hygiene::{GITIGNORE_LINES, check_file};
use crate::rules::FileCheck;
use crate::settings::Rules;
use crate::source::worktree::{WalkOptions, Worktree};

/// One change `fix` makes or would make.
enum Action {
    Chmod(PathBuf),
    Gitignore(PathBuf, Vec<&'static str>),
    Example(PathBuf, Vec<String>),
    Untrack(String),
}

/// `keywarden fix PATH [--apply] [--force]`.
pub fn run(args: &FixArgs) -> Result<i32> {
    let r = Rules::resolve(&args.config, &args.path)?;
    let (rules, root, apply, force) = (&r.rules, args.path.as_path(), args.apply, args.force);
    let walk = WalkOptions {
        follow_links: false,
        no_ignore: false,
        max_file_size: 1 << 20,
    };
    let repo_root = crate::fsutil::repo_root(root);
    let about = |p: &str| rules.file_rule_about(p);
    let (source, _) = Worktree::new(
        &[root.to_path_buf()],
        &walk,
        rules
            .has_file_rules()
            .then_some(&about as &dyn Fn(&str) -> bool),
        None,
        &repo_root,
        |_| true,
    );
    let findings: Vec<_> = source
        .targets()
        .iter()
        .filter_map(|t| t.meta.as_ref().map(|m| (t, m)))
        .flat_map(|(t, m)| {
            let data = std::fs::read(&t.path).ok();
            check_file(rules, m, &t.display, data.as_deref(), &Provenance::File)
        })
        .collect();
    // An env file is a path the not-ignored check covers.
    let is_env = |p: &str| {
        rules
            .rules
            .iter()
            .any(|r| r.file_check() == Some(FileCheck::NotIgnored) && r.file_matches(p))
    };

    let mut actions = Vec::new();
    let mut env_files: BTreeMap<PathBuf, ()> = BTreeMap::new();
    let mut need_ignore = false;
    for f in &findings {
        let check = rules.get(&f.rule_id).and_then(|r| r.file_check());
        let path_str = &f.primary().path;
        let path = PathBuf::from(path_str);
        let env = is_env(path_str);
        match check {
            Some(FileCheck::Permissions) => actions.push(Action::Chmod(path.clone())),
            Some(FileCheck::NotIgnored) => need_ignore = true,
            Some(FileCheck::Tracked) if env => {
                need_ignore = true;
                actions.push(Action::Untrack(path_str.clone()));
            }
            _ => {}
        }
        if env && check.is_some_and(|c| c != FileCheck::ExampleValues) {
            env_files.insert(path, ());
        }
    }
    let gitignore = repo_root.join(".gitignore");
    if need_ignore {
        let existing = read_or_empty(&gitignore)?;
        let existing = String::from_utf8_lossy(&existing);
        let have: Vec<&str> = existing.lines().map(str::trim).collect();
        let missing: Vec<&'static str> = GITIGNORE_LINES
            .iter()
            .copied()
            .filter(|l| !have.contains(l))
            .collect();
        if !missing.is_empty() {
            actions.push(Action::Gitignore(gitignore.clone(), missing));
        }
    }
    // One .env.example per directory, holding the names of every env file there.
    let mut by_dir: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
    for env in env_files.keys() {
        let names = std::fs::read(env)
            .map(|d| parse(&String::from_utf8_lossy(&d)))
            .unwrap_or_default();
        let dir = env.parent().map(Path::to_path_buf).unwrap_or_default();
        let list = by_dir.entry(dir).or_default();
        for v in names {
            if !list.contains(&v.name) {
                list.push(v.name);
            }
        }
    }
    for (dir, names) in by_dir {
        let example = dir.join(".env.example");
        if (!example.exists() || force) && !names.is_empty() {
            actions.push(Action::Example(example, names));
        }
    }

    if actions.is_empty() {
        println!("keywarden fix: nothing to fix");
        return Ok(0);
    }
    let verb = if apply { "" } else { "would " };
    for a in &actions {
        match a {
            Action::Chmod(p) => {
                if apply {
                    crate::fsutil::set_mode(p, 0o600)
                        .with_context(|| format!("chmod 600 {}", p.display()))?;
                }
                println!("{verb}chmod 600 {}", shown(p));
            }
            Action::Gitignore(p, lines) => {
                if apply {
                    // Appended byte for byte: the file's own lines stay as they are, whatever
                    // their encoding.
                    let mut bytes = read_or_empty(p)?;
                    if !bytes.is_empty() && !bytes.ends_with(b"\n") {
                        bytes.push(b'\n');
                    }
                    bytes.extend_from_slice(b"# secrets (added by keywarden fix)\n");
                    for l in lines {
                        bytes.extend_from_slice(l.as_bytes());
                        bytes.push(b'\n');
                    }
                    crate::fsutil::atomic_write(p, &bytes, None)?;
                }
                println!("{verb}add to {}: {}", shown(p), lines.join(" "));
            }
            Action::Example(p, names) => {
                if apply {
                    let mut text = String::from(
                        "# Copy to .env and fill in the values. Written by `keywarden fix`; it holds no values.\n",
                    );
                    for n in names {
                        text.push_str(&format!("{n}=\n"));
                    }
                    crate::fsutil::atomic_write(p, text.as_bytes(), Some(0o644))?;
                }
                println!(
                    "{verb}write {} with {} placeholder(s): {}",
                    shown(p),
                    names.len(),
                    names.join(", ")
                );
            }
            Action::Untrack(p) => println!(
                "run yourself: git rm --cached {p}   (stops tracking it; the file stays on disk)"
            ),
        }
    }
    if !apply {
        println!("dry run: nothing was changed; rerun with --apply");
        // Something needs fixing: a CI step can use the dry run as a check.
        return Ok(1);
    }
    Ok(0)
}

/// A path as the user would type it: relative to the current directory where it is inside it.
fn shown(p: &Path) -> String {
    let rel = std::env::current_dir()
        .ok()
        .and_then(|cwd| p.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .filter(|r| !r.as_os_str().is_empty());
    crate::source::worktree::display_path(rel.as_deref().unwrap_or(p))
}

/// A file's bytes, or none when it does not exist; any other failure is an error, never an
/// empty file to overwrite.
fn read_or_empty(path: &Path) -> Result<Vec<u8>> {
    match std::fs::read(path) {
        Ok(b) => Ok(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e)
            .with_context(|| format!("{}: cannot read it, so it is left alone", path.display())),
    }
}
