//! Where bytes come from: files on disk, or git objects (index, history, ranges).

pub mod git;
pub mod worktree;
