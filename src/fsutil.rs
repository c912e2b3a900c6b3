//! Writing files the safe way: a temp file beside the target, flushed, then renamed over it.
//! A failed write never truncates the user's file. Also where a repository's root is, and the
//! few Unix permission calls behind one portable face (Windows has no modes: none are read,
//! setting one is a no-op).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Replace `path` with `bytes` atomically. `mode` sets the permissions of a new file (kept from
/// the old one otherwise). A path that is there and is not a regular file (`-o /dev/null`,
/// `/dev/stdout`, a named pipe) is written in place: renamed over, the device or pipe itself
/// was replaced by a file (run as root, `-o /dev/null` left /dev/null a regular file).
pub fn atomic_write(path: &Path, bytes: &[u8], mode: Option<u32>) -> Result<()> {
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
        && !meta.is_dir()
    {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut f| f.write_all(bytes))
            .with_context(|| format!("{}: write failed", path.display()));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let existing_mode = std::fs::metadata(path)
        .ok()
        .and_then(|m| mode_of(&m))
        .map(|m| m & 0o7777);
    let perm = mode.or(existing_mode).unwrap_or(0o644);
    let mut n = 0u32;
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(".{name}.keywarden-{}-{n}.tmp", std::process::id()));
        match private(std::fs::OpenOptions::new().write(true).create_new(true)).open(&tmp) {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("{}: cannot create a temporary file", path.display())
                });
            }
        }
    };
    let written = file
        .write_all(bytes)
        .and_then(|_| file.sync_all())
        .and_then(|_| set_mode(&tmp, perm))
        .and_then(|_| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| {
            format!(
                "{}: write failed (the file was left as it was)",
                path.display()
            )
        });
    }
    Ok(())
}

/// A file's Unix mode (`None` where there are none).
pub fn mode_of(meta: &std::fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(meta.permissions().mode())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

/// Set a file's Unix mode (a no-op where there are none).
pub fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// Options that create a file readable by its owner only (0600).
pub fn private(opts: &mut std::fs::OpenOptions) -> &mut std::fs::OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600)
    }
    #[cfg(not(unix))]
    {
        opts
    }
}

/// Options that open a path without blocking on a FIFO or taking a terminal, so its type can be
/// checked on the open handle before anything is read.
pub fn no_block(opts: &mut std::fs::OpenOptions) -> &mut std::fs::OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
    }
    #[cfg(not(unix))]
    {
        opts
    }
}

/// The most a settings file (config, baseline, allowlist) may hold: a bigger one is an error,
/// never a read until memory runs out (`/dev/zero`).
pub const SETTINGS_LIMIT: u64 = 16 << 20;

/// Read a settings file: a regular file of at most `SETTINGS_LIMIT` bytes, else an error that
/// names it (a device, a FIFO or a directory is refused before it is read).
pub fn read_settings(path: &Path, what: &str) -> Result<Vec<u8>> {
    read_regular(path, what, SETTINGS_LIMIT)
}

/// Read a regular file of at most `limit` bytes, else an error that names it.
pub fn read_regular(path: &Path, what: &str, limit: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let shown = path.display();
    let meta = std::fs::metadata(path).with_context(|| format!("{shown}: cannot read {what}"))?;
    if !meta.is_file() {
        anyhow::bail!("{shown}: cannot read {what}: not a regular file");
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
        .with_context(|| format!("{shown}: cannot read {what}"))?;
    if bytes.len() as u64 > limit {
        anyhow::bail!(
            "{shown}: {what} is over {} MiB; refusing to read it",
            limit >> 20
        );
    }
    Ok(bytes)
}

/// The repository root holding `start` (the nearest parent with `.git`), else `start` itself;
/// SARIF URIs are relative to it.
pub fn repo_root(start: &Path) -> PathBuf {
    let abs = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
    let dir = if abs.is_dir() {
        abs.clone()
    } else {
        abs.parent().map(Path::to_path_buf).unwrap_or(abs.clone())
    };
    let mut cur = Some(dir.as_path());
    while let Some(d) = cur {
        if d.join(".git").exists() {
            return d.to_path_buf();
        }
        cur = d.parent();
    }
    dir
}
