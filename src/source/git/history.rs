//! `--history`: scan each unique blob once, then attach provenance to each secret.

use super::graph::*;
use super::*;

/// A progress line on stderr, redrawn in place; silent unless enabled.
struct Progress {
    enabled: bool,
    commits: usize,
    total: usize,
    done: std::sync::atomic::AtomicUsize,
    bytes: std::sync::atomic::AtomicU64,
    started: std::time::Instant,
}

impl Progress {
    fn tick(&self, bytes: u64) {
        use std::sync::atomic::Ordering::Relaxed;
        let done = self.done.fetch_add(1, Relaxed) + 1;
        let bytes = self.bytes.fetch_add(bytes, Relaxed) + bytes;
        if self.enabled && (done % 256 == 0 || done == self.total) {
            let secs = self.started.elapsed().as_secs_f64().max(0.001);
            eprint!(
                "\r\x1b[2Kkeywarden: {} commits walked, {done}/{} blobs scanned, {:.1} MiB ({:.0} MiB/s)",
                self.commits,
                self.total,
                bytes as f64 / 1048576.0,
                bytes as f64 / 1048576.0 / secs
            );
            if done == self.total {
                eprintln!();
            }
        }
    }
}

/// Scan each unique blob once in parallel; each finding carries the blob it came from.
pub(super) fn scan_blobs(
    matcher: &Matcher,
    repo: gix::Repository,
    graph: &Graph,
    opts: &GitOptions,
) -> (Vec<(Finding, ObjectId)>, Stats) {
    let mut blobs: Vec<(&ObjectId, &(usize, String))> = graph
        .blobs
        .iter()
        .filter(|(_, (_, p))| opts.path_filter.admits(p))
        .collect();
    // Revisions of one file are delta chains in the pack: reading them together, on one
    // thread, keeps the delta base cache warm.
    blobs.sort_by(|(a, (ca, pa)), (b, (cb, pb))| (pa, ca, a).cmp(&(pb, cb, b)));
    let sync = repo.into_sync();
    let placeholder = Origin::History(Box::default());
    let progress = Progress {
        enabled: opts.progress,
        commits: graph.commits.len(),
        total: blobs.len(),
        done: Default::default(),
        bytes: Default::default(),
        started: std::time::Instant::now(),
    };
    let outcomes: Vec<(Outcome, ObjectId)> = blobs
        .par_iter()
        .map_init(
            || sync.to_thread_local(),
            |repo, (id, (_, path))| {
                let o = scan_blob(matcher, repo, **id, path, &placeholder, opts);
                progress.tick(o.stats.bytes);
                (o, **id)
            },
        )
        .collect();
    let mut stats = Stats::default();
    let mut found = Vec::new();
    for (o, id) in outcomes {
        stats.add(&o.stats);
        found.extend(o.findings.into_iter().map(|f| (f, id)));
    }
    (found, stats)
}

fn iso_date(secs: i64) -> String {
    let s = crate::validate::format_unix(secs);
    format!("{}T{}Z", &s[..10], &s[11..19])
}

/// One finding per (rule, secret): the occurrence in the oldest commit, with how many commits
/// hold it, whether HEAD does, and which refs reach it.
pub(super) fn attach_provenance(
    graph: &Graph,
    found: Vec<(Finding, ObjectId)>,
    refs: &[(String, ObjectId)],
    head: Option<ObjectId>,
) -> Vec<Finding> {
    if found.is_empty() {
        return Vec::new();
    }
    let mut groups: HashMap<(String, String), Vec<(Finding, ObjectId)>> = HashMap::new();
    for (f, blob) in found {
        groups
            .entry((f.rule_id.clone(), f.fingerprint.clone()))
            .or_default()
            .push((f, blob));
    }
    let targets: HashMap<ObjectId, usize> = {
        let mut ids: Vec<ObjectId> = groups.values().flatten().map(|(_, b)| *b).collect();
        ids.sort();
        ids.dedup();
        ids.into_iter().enumerate().map(|(i, b)| (b, i)).collect()
    };
    let mut memo = HashMap::new();
    let commit_bits: Vec<Vec<u64>> = graph
        .commits
        .iter()
        .map(|c| graph.reach(c.tree, &targets, &mut memo))
        .collect();
    let has = |bits: &[u64], t: usize| bits[t / 64] & (1 << (t % 64)) != 0;
    let head_idx = head.and_then(|h| graph.index.get(&h).copied());
    let children = graph.children();
    let mut out = Vec::new();
    for (_, mut members) in groups {
        members.sort_by_key(|(f, b)| {
            (
                graph.blobs.get(b).map(|(ci, _)| *ci).unwrap_or(usize::MAX),
                f.path.clone(),
                f.line,
            )
        });
        let blob_idx: Vec<usize> = members
            .iter()
            .filter_map(|(_, b)| targets.get(b).copied())
            .collect();
        let (mut f, blob) = members.swap_remove(0);
        let holds = |ci: usize| blob_idx.iter().any(|&t| has(&commit_bits[ci], t));
        let commits = (0..graph.commits.len()).filter(|&ci| holds(ci)).count();
        let first = (0..graph.commits.len()).find(|&ci| holds(ci));
        let mut info = HistoryInfo {
            blob: blob.to_string(),
            commits,
            in_head: head_idx.is_some_and(holds),
            ..HistoryInfo::default()
        };
        if let Some(ci) = first {
            let c = &graph.commits[ci];
            info.commit = c.id.to_string();
            info.author = c.author.clone();
            info.date = iso_date(c.author_time);
            if let Some((_, p)) = graph.blobs.get(&blob) {
                f.path = p.clone();
            }
            let desc = Graph::descendants(&children, ci);
            let mut names: Vec<String> = refs
                .iter()
                .filter(|(_, id)| graph.index.get(id).is_some_and(|i| desc.contains(i)))
                .map(|(n, _)| n.clone())
                .collect();
            names.sort();
            names.dedup();
            info.refs = names;
        }
        f.origin = Origin::History(Box::new(info));
        out.push(f);
    }
    out
}

/// `--history`: every blob reachable from every ref (and with `--all-objects`, from commits
/// and blobs no ref reaches).
pub fn history(matcher: &Matcher, path: &Path, opts: &GitOptions) -> Result<Outcome> {
    let repo = open(path)?;
    if repo.is_shallow().unwrap_or(false) {
        bail!("--history: {SHALLOW_FIX}");
    }
    let refs = tips(&repo)?;
    let mut commit_tips = Vec::new();
    let mut loose_blobs = Vec::new();
    for (_, id) in &refs {
        match repo.find_header(*id).map(|h| h.kind()) {
            Ok(gix::object::Kind::Commit) => commit_tips.push(*id),
            Ok(gix::object::Kind::Blob) => loose_blobs.push(*id),
            Ok(_) => {}
            Err(e) => bail!("ref target {id}: missing or corrupt object: {e}"),
        }
    }
    let mut unreachable_blobs = Vec::new();
    if opts.all_objects {
        let iter = repo
            .objects
            .iter()
            .map_err(|e| anyhow!("cannot list objects: {e}"))?;
        for id in iter {
            let id = id.map_err(|e| anyhow!("cannot list objects: {e}"))?;
            match repo.find_header(id).map(|h| h.kind()) {
                Ok(gix::object::Kind::Commit) => commit_tips.push(id),
                Ok(gix::object::Kind::Blob) => unreachable_blobs.push(id),
                _ => {}
            }
        }
    }
    commit_tips.sort();
    commit_tips.dedup();
    let commits = walk_commits(&repo, &commit_tips, &HashSet::new())?;
    let mut graph = Graph::new(commits);
    graph.collect_trees(&repo, &HashSet::new())?;
    for id in loose_blobs.into_iter().chain(unreachable_blobs) {
        graph
            .blobs
            .entry(id)
            .or_insert_with(|| (usize::MAX, format!("(unreachable blob {id})")));
    }
    let head = repo.head_id().ok().map(|h| h.detach());
    let n_commits = graph.commits.len();
    let (found, mut stats) = scan_blobs(matcher, repo, &graph, opts);
    let findings = attach_provenance(&graph, found, &refs, head);
    stats.commits = n_commits;
    Ok(Outcome { findings, stats })
}
