//! `keywarden install-hook`: a plain git hook for teams that do not use the pre-commit
//! framework. Written where git looks for hooks (`core.hooksPath`, or the common git dir so
//! linked worktrees share it); never overwrites a hook keywarden did not write unless forced.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::cli::InstallHookArgs;

/// Marks a hook as ours; `--uninstall` removes only files that carry it.
const MARKER: &str = "# keywarden-managed hook";

fn hooks_dir(repo: &gix::Repository) -> Result<PathBuf> {
    let configured = repo
        .config_snapshot()
        .trusted_path("core.hooksPath")
        .context("core.hooksPath")?;
    Ok(match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => repo.workdir().unwrap_or_else(|| repo.git_dir()).join(p),
        None => repo.common_dir().join("hooks"),
    })
}

fn script(args: &str) -> String {
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "keywarden".into());
    let exe = exe.replace('\'', "'\\''");
    format!(
        "#!/bin/sh\n{MARKER} (keywarden install-hook). Remove with: keywarden install-hook --uninstall\nif command -v keywarden >/dev/null 2>&1; then\n  exec keywarden {args}\nfi\nexec '{exe}' {args}\n"
    )
}

fn ours(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| t.contains(MARKER))
}

pub fn install(args: &InstallHookArgs) -> Result<i32> {
    let repo = gix::discover(&args.repo)
        .with_context(|| format!("{}: not a git repository", args.repo.display()))?;
    let dir = hooks_dir(&repo)?;
    let mut hooks = vec![("pre-commit", "scan --staged")];
    if args.pre_push || args.uninstall {
        hooks.push(("pre-push", "scan --pre-push"));
    }
    if args.uninstall {
        let mut removed = 0;
        for (name, _) in hooks {
            let path = dir.join(name);
            if path.exists() {
                if ours(&path) {
                    std::fs::remove_file(&path)
                        .with_context(|| format!("{}: cannot remove", path.display()))?;
                    println!("removed {}", path.display());
                    removed += 1;
                } else {
                    eprintln!(
                        "keywarden: left {} alone: keywarden did not write it",
                        path.display()
                    );
                }
            }
        }
        if removed == 0 {
            println!("no keywarden hook to remove in {}", dir.display());
        }
        return Ok(0);
    }
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("{}: cannot create the hooks directory", dir.display()))?;
    for (name, _) in &hooks {
        let path = dir.join(name);
        if path.exists() && !ours(&path) && !args.force {
            bail!(
                "{} exists and was not written by keywarden; rerun with --force to replace it",
                path.display()
            );
        }
    }
    for (name, cmd) in hooks {
        let path = dir.join(name);
        crate::fsutil::atomic_write(&path, script(cmd).as_bytes(), Some(0o755))?;
        println!("installed {} (runs `keywarden {cmd}`)", path.display());
    }
    Ok(0)
}
