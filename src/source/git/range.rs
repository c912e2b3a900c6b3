//! `--range` and `--pre-push`: the blobs a set of commits introduces over a base.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use gix::ObjectId;

use super::graph::{Graph, decode_commit, tips, walk_commits};
use super::history::Blobs;
use super::{SHALLOW_FIX, open};

use crate::source::{PathJudge, Stage};

/// `--range BASE..HEAD`: the blobs the commits in the range introduce. A finding counts only if
/// its secret is not already in the base's version of that path.
pub fn range(
    path: &Path,
    base: &str,
    head: &str,
    max_file_size: u64,
    judge: PathJudge,
) -> Result<Blobs> {
    let (base_id, head_id) = resolve_range(path, base, head)?;
    added_over(open(path)?, &[base_id], head_id, head, max_file_size, judge)
}

/// Both ends of a range as commits; a missing one or a shallow clone is an error that says
/// how to fetch what is missing.
pub fn resolve_range(path: &Path, base: &str, head: &str) -> Result<(ObjectId, ObjectId)> {
    let repo = open(path)?;
    let shallow = repo.is_shallow().unwrap_or(false);
    let resolve = |name: &str, what: &str| -> Result<ObjectId> {
        repo.rev_parse_single(name)
            .map(|id| id.detach())
            .map_err(|_| {
                if shallow {
                    anyhow!("--range: {what} {name:?} is not in this repository; {SHALLOW_FIX}")
                } else {
                    anyhow!("--range: {what} {name:?} is not in this repository; fetch it first (in GitHub Actions use actions/checkout with `fetch-depth: 0`)")
                }
            })
    };
    let base_id = resolve(base, "base")?;
    let head_id = resolve(head, "head")?;
    if shallow {
        bail!("--range: {SHALLOW_FIX}");
    }
    let peel = |id: ObjectId| -> Result<ObjectId> {
        let obj = repo.find_object(id)?;
        Ok(obj
            .peel_to_commit()
            .map_err(|e| anyhow!("{id} is not a commit: {e}"))?
            .id)
    };
    Ok((peel(base_id)?, peel(head_id)?))
}

/// `BASE..HEAD` → (BASE, HEAD); an empty HEAD means `HEAD`.
pub fn split_range(spec: &str) -> Result<(String, String)> {
    let (base, head) = spec
        .split_once("..")
        .ok_or_else(|| anyhow!("--range {spec:?}: expected BASE..HEAD"))?;
    let head = head.trim_start_matches('.');
    let head = if head.is_empty() { "HEAD" } else { head };
    Ok((base.to_string(), head.to_string()))
}

/// What `head` adds over `bases` (commits reachable from `head` but from none of `bases`).
fn added_over(
    repo: gix::Repository,
    bases: &[ObjectId],
    head_id: ObjectId,
    head: &str,
    max_file_size: u64,
    judge: PathJudge,
) -> Result<Blobs> {
    let t = std::time::Instant::now();
    let base_commits = walk_commits(&repo, bases, &HashSet::new())?;
    let base_set: HashSet<ObjectId> = base_commits.iter().map(|c| c.id).collect();
    let in_range = walk_commits(&repo, &[head_id], &base_set)?;
    // The base side: every tree and blob the range's boundary parents already had.
    let boundary: Vec<ObjectId> = {
        let ids: HashSet<ObjectId> = in_range.iter().map(|c| c.id).collect();
        let mut b: Vec<ObjectId> = in_range
            .iter()
            .flat_map(|c| c.parents.iter().copied())
            .filter(|p| !ids.contains(p))
            .collect();
        b.sort();
        b.dedup();
        b
    };
    let mut before = Graph::new(
        boundary
            .iter()
            .map(|id| decode_commit(&repo, *id))
            .collect::<Result<Vec<_>>>()?,
    );
    before.collect_trees(&repo, &HashSet::new(), true)?;
    // What the base side has at each path, and every (blob, path) pair it has: content the
    // base already had is skipped only at the same path (a copy or a move is new there).
    let mut base_paths: HashMap<String, Vec<ObjectId>> = HashMap::new();
    for (id, _) in &before.blobs {
        for (_, p) in before.paths_of(id) {
            base_paths.entry(p.clone()).or_default().push(*id);
        }
    }
    let mut graph = Graph::new(in_range);
    graph.collect_trees(&repo, &before.places, false)?;
    graph.drop_paths(|id, path| base_paths.get(path).is_some_and(|ids| ids.contains(id)));
    let refs = vec![(head.to_string(), head_id)];
    let listed = Stage {
        name: "list: commits and trees of the range",
        time: t.elapsed(),
        detail: format!(
            "{} commit(s), {} new blob(s)",
            graph.commits.len(),
            graph.blobs.len()
        ),
    };
    let mut blobs = Blobs::new(repo, graph, refs, Some(head_id), max_file_size, judge)?;
    blobs.base_paths = base_paths;
    blobs.stages.insert(0, listed);
    Ok(blobs)
}

pub(super) const ZERO_OID: &str = "0000000000000000000000000000000000000000";

/// Tips of every remote-tracking ref: what the remotes are known to have.
fn remote_tips(repo: &gix::Repository) -> Result<Vec<ObjectId>> {
    Ok(tips(repo)?
        .into_iter()
        .filter(|(n, _)| n.starts_with("refs/remotes/"))
        .map(|(_, id)| id)
        .collect())
}

/// One pushed ref: the remote's commit (`from`, empty or zeros for a new branch) and ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Push {
    pub from: String,
    pub to: String,
    /// The local ref being pushed (`refs/heads/feature`), when the hook says: refs lines name
    /// it instead of a commit id.
    pub local_ref: Option<String>,
}

/// What a push sends: the pre-commit framework's `PRE_COMMIT_FROM_REF`/`PRE_COMMIT_TO_REF`,
/// or git's pre-push lines on stdin (`<local ref> <local oid> <remote ref> <remote oid>`).
pub fn read_pushes() -> Result<Vec<Push>> {
    let mut pushes = Vec::new();
    match std::env::var("PRE_COMMIT_TO_REF") {
        Ok(to) if !to.is_empty() => pushes.push(Push {
            from: std::env::var("PRE_COMMIT_FROM_REF").unwrap_or_default(),
            to,
            // pre-commit 2.x sets the branch being pushed.
            local_ref: std::env::var("PRE_COMMIT_LOCAL_BRANCH")
                .ok()
                .filter(|b| !b.is_empty()),
        }),
        _ => {
            let mut input = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut input)
                .context("reading pre-push refs from stdin")?;
            for line in input.lines() {
                let parts: Vec<&str> = line.split_whitespace().collect();
                if let [local_ref, local, _, remote] = parts[..] {
                    pushes.push(Push {
                        from: remote.to_string(),
                        to: local.to_string(),
                        local_ref: Some(local_ref.to_string()),
                    });
                }
            }
        }
    }
    Ok(pushes)
}

/// `--pre-push`: what each push adds, one source per pushed ref. A new branch (no remote
/// commit) is compared with every remote-tracking ref.
pub fn pre_push(
    path: &Path,
    pushes: &[Push],
    max_file_size: u64,
    judge: PathJudge,
) -> Result<Vec<Blobs>> {
    let repo = open(path)?;
    if repo.is_shallow().unwrap_or(false) {
        bail!("--pre-push: {SHALLOW_FIX}");
    }
    let mut out = Vec::new();
    for Push {
        from,
        to,
        local_ref,
    } in pushes.iter().cloned()
    {
        if to.is_empty() || to == ZERO_OID {
            continue; // deleting a branch adds nothing
        }
        let head_id = repo
            .rev_parse_single(to.as_str())
            .map_err(|e| anyhow!("--pre-push: {to}: {e}"))?
            .detach();
        let head_id = repo
            .find_object(head_id)?
            .peel_to_commit()
            .map_err(|e| anyhow!("{to}: {e}"))?
            .id;
        let from_id = if from.is_empty() || from == ZERO_OID {
            None
        } else {
            repo.rev_parse_single(from.as_str())
                .ok()
                .map(|id| id.detach())
        };
        let bases = match from_id {
            Some(id) => vec![id],
            None => remote_tips(&repo)?,
        };
        out.push(added_over(
            repo.clone(),
            &bases,
            head_id,
            local_ref.as_deref().unwrap_or(&to),
            max_file_size,
            judge,
        )?);
    }
    Ok(out)
}
