//! Git sources through gix (no `git` binary): the index for `--staged`, every blob reachable
//! from every ref for `--history`, and the blobs a commit range introduces for `--range`.
//! Each unique blob is scanned once, in parallel; provenance (first commit, refs, HEAD) is
//! attached afterwards, so a secret kept across 1,000 commits is one finding.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use gix::ObjectId;
use gix::objs::{CommitRef, TreeRefIter};
use rayon::prelude::*;

use crate::envfile::{FileFacts, check_file};
use crate::finding::{Finding, HistoryInfo, Origin};
use crate::matcher::Matcher;
use crate::rules::PathFilter;
use crate::scan::{Outcome, Stats, scan_chunk};

/// Settings shared by the git sources.
pub struct GitOptions<'a> {
    pub max_file_size: u64,
    pub all_objects: bool,
    pub quiet: bool,
    /// Show progress on stderr (it is a terminal and --quiet is off).
    pub progress: bool,
    pub path_filter: &'a PathFilter,
}

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

const SHALLOW_FIX: &str = "this is a shallow clone, so history is incomplete and a scan could miss secrets. Fetch the full history (`git fetch --unshallow`, or `fetch-depth: 0` in actions/checkout) and run again";

fn open(path: &Path) -> Result<gix::Repository> {
    gix::discover(path).with_context(|| {
        format!(
            "{}: not a git repository (or it cannot be opened)",
            path.display()
        )
    })
}

/// A blob's bytes, or `Ok(None)` when its header says it is over the size limit (the blob is
/// never loaded).
fn read_blob(repo: &gix::Repository, id: ObjectId, max: u64) -> Result<Option<Vec<u8>>> {
    let header = repo
        .find_header(id)
        .with_context(|| format!("object {id}: missing or corrupt"))?;
    if header.size() > max {
        return Ok(None);
    }
    let obj = repo
        .find_object(id)
        .with_context(|| format!("object {id}: missing or corrupt"))?;
    Ok(Some(obj.detach().data))
}

/// Scan one blob; a missing object or an oversized one is a warning and a count.
fn scan_blob(
    matcher: &Matcher,
    repo: &gix::Repository,
    id: ObjectId,
    path: &str,
    origin: &Origin,
    opts: &GitOptions,
) -> Outcome {
    match read_blob(repo, id, opts.max_file_size) {
        Ok(Some(data)) => {
            let mut o = scan_chunk(matcher, path, &data, origin);
            let rules = matcher.rules();
            if rules.rules.iter().any(|r| r.file_matches(path)) {
                let facts = FileFacts {
                    rel: path,
                    display: path,
                    tracked: true,
                    not_ignored: false,
                    mode: None,
                    data: Some(&data),
                };
                o.findings.extend(check_file(rules, &facts, origin));
            }
            o
        }
        Ok(None) => {
            if !opts.quiet {
                eprintln!(
                    "warning: {path} (blob {id}): skipped, over --max-file-size ({})",
                    opts.max_file_size
                );
            }
            Outcome {
                stats: Stats {
                    skipped_large: 1,
                    ..Stats::default()
                },
                ..Outcome::default()
            }
        }
        Err(e) => {
            eprintln!("warning: {path}: {e:#}");
            Outcome {
                stats: Stats {
                    unreadable: 1,
                    git_errors: 1,
                    ..Stats::default()
                },
                ..Outcome::default()
            }
        }
    }
}

/// Every blob path → id in a tree, recursively.
fn tree_paths(
    repo: &gix::Repository,
    tree: ObjectId,
    prefix: &str,
    out: &mut HashMap<String, ObjectId>,
) -> Result<()> {
    let obj = repo
        .find_object(tree)
        .with_context(|| format!("tree {tree}: missing or corrupt"))?;
    for entry in TreeRefIter::from_bytes(&obj.data, repo.object_hash()) {
        let entry = entry.map_err(|e| anyhow!("tree {tree}: corrupt: {e}"))?;
        let path = join(prefix, entry.filename);
        if entry.mode.is_tree() {
            tree_paths(repo, entry.oid.to_owned(), &path, out)?;
        } else if entry.mode.is_blob() {
            out.insert(path, entry.oid.to_owned());
        }
    }
    Ok(())
}

fn join(prefix: &str, name: &gix::bstr::BStr) -> String {
    let name = String::from_utf8_lossy(name);
    if prefix.is_empty() {
        name.into_owned()
    } else {
        format!("{prefix}/{name}")
    }
}

/// `--staged`: what the next commit would add. Content comes from index blobs, never the
/// working tree; a secret already in HEAD's version of the same path is not reported.
pub fn staged(matcher: &Matcher, path: &Path, opts: &GitOptions) -> Result<Outcome> {
    let repo = open(path)?;
    let index = repo.index_or_empty().context("cannot read the index")?;
    let mut head = HashMap::new();
    if let Ok(tree) = repo.head_tree_id() {
        tree_paths(&repo, tree.detach(), "", &mut head)?;
    }
    let mut changed: Vec<(String, ObjectId, Option<ObjectId>)> = Vec::new();
    for entry in index.entries() {
        if entry.stage() != gix::index::entry::Stage::Unconflicted {
            continue;
        }
        let mode = entry.mode;
        if mode != gix::index::entry::Mode::FILE && mode != gix::index::entry::Mode::FILE_EXECUTABLE
        {
            continue;
        }
        let p = String::from_utf8_lossy(entry.path(&index)).into_owned();
        let before = head.get(&p).copied();
        if before == Some(entry.id) || !opts.path_filter.admits(&p) {
            continue;
        }
        changed.push((p, entry.id, before));
    }
    let sync = repo.into_sync();
    let outcomes: Vec<Outcome> = changed
        .par_iter()
        .map_init(
            || sync.to_thread_local(),
            |repo, (p, id, before)| {
                let mut o = scan_blob(matcher, repo, *id, p, &Origin::Staged, opts);
                if let (Some(before), false) = (before, o.findings.is_empty()) {
                    if let Ok(Some(old)) = read_blob(repo, *before, opts.max_file_size) {
                        // File findings (no secret) stand: the commit still writes that file.
                        o.findings.retain(|f| {
                            f.secret.is_empty()
                                || memchr::memmem::find(&old, f.secret.as_bytes()).is_none()
                        });
                    }
                }
                o
            },
        )
        .collect();
    Ok(merge(outcomes))
}

fn merge(outcomes: Vec<Outcome>) -> Outcome {
    let mut total = Outcome::default();
    for o in outcomes {
        total.stats.add(&o.stats);
        total.findings.extend(o.findings);
    }
    total
}

/// A commit as the history scan needs it.
struct CommitInfo {
    id: ObjectId,
    tree: ObjectId,
    parents: Vec<ObjectId>,
    time: i64,
    author: String,
    author_time: i64,
}

/// The commit graph and tree DAG of the scanned part of a repository.
struct Graph {
    commits: Vec<CommitInfo>,
    index: HashMap<ObjectId, usize>,
    /// Children (subtrees and blobs) of every unique tree seen.
    trees: HashMap<ObjectId, Vec<ObjectId>>,
    /// Each unique blob with the first (oldest) commit and path it appeared at.
    blobs: HashMap<ObjectId, (usize, String)>,
}

fn decode_commit(repo: &gix::Repository, id: ObjectId) -> Result<CommitInfo> {
    let obj = repo
        .find_object(id)
        .with_context(|| format!("commit {id}: missing or corrupt"))?;
    let c = CommitRef::from_bytes(&obj.data, repo.object_hash())
        .map_err(|e| anyhow!("commit {id}: corrupt: {e}"))?;
    let author = c
        .author()
        .map_err(|e| anyhow!("commit {id}: bad author: {e}"))?;
    let committer_time = c.committer().map(|s| s.seconds()).unwrap_or(0);
    Ok(CommitInfo {
        id,
        tree: c.tree(),
        parents: c.parents().collect(),
        time: committer_time,
        author: format!(
            "{} <{}>",
            author.name.to_string().trim(),
            author.email.to_string().trim()
        ),
        author_time: author.seconds(),
    })
}

/// Walk every commit reachable from `tips` (stopping at `stop`), oldest first.
fn walk_commits(
    repo: &gix::Repository,
    tips: &[ObjectId],
    stop: &HashSet<ObjectId>,
) -> Result<Vec<CommitInfo>> {
    let mut seen: HashSet<ObjectId> = HashSet::new();
    let mut queue: VecDeque<ObjectId> =
        tips.iter().copied().filter(|t| !stop.contains(t)).collect();
    let mut out = Vec::new();
    while let Some(id) = queue.pop_front() {
        if !seen.insert(id) {
            continue;
        }
        let c = decode_commit(repo, id)?;
        for p in &c.parents {
            if !seen.contains(p) && !stop.contains(p) {
                queue.push_back(*p);
            }
        }
        out.push(c);
    }
    // Oldest first; parents before children when clocks agree.
    out.sort_by_key(|c| c.time);
    Ok(out)
}

impl Graph {
    fn new(commits: Vec<CommitInfo>) -> Graph {
        let index = commits.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
        Graph {
            commits,
            index,
            trees: HashMap::new(),
            blobs: HashMap::new(),
        }
    }

    /// Record every unique tree and blob of every commit, skipping trees in `skip`. The
    /// commits (oldest first) are cut into one contiguous run per thread; each run walks its
    /// commits' trees in order, never revisiting a subtree it has seen, which keeps the pack's
    /// delta base cache warm. Runs merge oldest first, so a blob keeps its first commit and path.
    fn collect_trees(&mut self, repo: &gix::Repository, skip: &HashSet<ObjectId>) -> Result<()> {
        let n = self.commits.len();
        let runs = rayon::current_num_threads().clamp(1, n.max(1));
        let chunk = n.div_ceil(runs).max(1);
        let sync = repo.clone().into_sync();
        let roots: Vec<ObjectId> = self.commits.iter().map(|c| c.tree).collect();
        let parts: Vec<Result<Walked>> = (0..n)
            .step_by(chunk)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|start| {
                let repo = sync.to_thread_local();
                let mut w = Walked::default();
                for (ci, root) in roots.iter().enumerate().skip(start).take(chunk) {
                    w.visit(&repo, *root, String::new(), ci, skip)?;
                }
                Ok(w)
            })
            .collect();
        for part in parts {
            let part = part?;
            for (id, children) in part.trees {
                self.trees.entry(id).or_insert(children);
            }
            for (id, first) in part.blobs {
                match self.blobs.entry(id) {
                    std::collections::hash_map::Entry::Occupied(mut e) if first.0 < e.get().0 => {
                        e.insert(first);
                    }
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(first);
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

/// What one run of commits' tree walk found.
#[derive(Default)]
struct Walked {
    trees: HashMap<ObjectId, Vec<ObjectId>>,
    blobs: HashMap<ObjectId, (usize, String)>,
}

impl Walked {
    fn visit(
        &mut self,
        repo: &gix::Repository,
        tree: ObjectId,
        prefix: String,
        ci: usize,
        skip: &HashSet<ObjectId>,
    ) -> Result<()> {
        if self.trees.contains_key(&tree) || skip.contains(&tree) {
            return Ok(());
        }
        let obj = repo
            .find_object(tree)
            .with_context(|| format!("tree {tree}: missing or corrupt"))?;
        let mut children = Vec::new();
        let mut subtrees = Vec::new();
        for entry in TreeRefIter::from_bytes(&obj.data, repo.object_hash()) {
            let entry = entry.map_err(|e| anyhow!("tree {tree}: corrupt: {e}"))?;
            let id = entry.oid.to_owned();
            if entry.mode.is_tree() {
                children.push(id);
                subtrees.push((id, join(&prefix, entry.filename)));
            } else if entry.mode.is_blob() {
                children.push(id);
                self.blobs
                    .entry(id)
                    .or_insert_with(|| (ci, join(&prefix, entry.filename)));
            }
        }
        drop(obj);
        self.trees.insert(tree, children);
        for (id, path) in subtrees {
            self.visit(repo, id, path, ci, skip)?;
        }
        Ok(())
    }
}

impl Graph {
    /// For each tree, which of `targets` it reaches (bitset), memoized.
    fn reach(
        &self,
        tree: ObjectId,
        targets: &HashMap<ObjectId, usize>,
        memo: &mut HashMap<ObjectId, Vec<u64>>,
    ) -> Vec<u64> {
        if let Some(v) = memo.get(&tree) {
            return v.clone();
        }
        let words = targets.len().div_ceil(64).max(1);
        let mut bits = vec![0u64; words];
        if let Some(children) = self.trees.get(&tree) {
            for c in children {
                if let Some(&t) = targets.get(c) {
                    bits[t / 64] |= 1 << (t % 64);
                } else if self.trees.contains_key(c) {
                    let sub = self.reach(*c, targets, memo);
                    for (b, s) in bits.iter_mut().zip(sub) {
                        *b |= s;
                    }
                }
            }
        }
        memo.insert(tree, bits.clone());
        bits
    }

    /// Each commit's children, for walking forward from a commit.
    fn children(&self) -> HashMap<usize, Vec<usize>> {
        let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, c) in self.commits.iter().enumerate() {
            for p in &c.parents {
                if let Some(&pi) = self.index.get(p) {
                    children.entry(pi).or_default().push(i);
                }
            }
        }
        children
    }

    /// Commits that descend from (or are) commit `from`.
    fn descendants(children: &HashMap<usize, Vec<usize>>, from: usize) -> HashSet<usize> {
        let mut seen = HashSet::from([from]);
        let mut queue = vec![from];
        while let Some(i) = queue.pop() {
            for &ch in children.get(&i).map(Vec::as_slice).unwrap_or(&[]) {
                if seen.insert(ch) {
                    queue.push(ch);
                }
            }
        }
        seen
    }
}

/// Every ref's target, peeled: (name, object id). HEAD included; a broken ref is a warning.
fn tips(repo: &gix::Repository) -> Result<Vec<(String, ObjectId)>> {
    let mut out = Vec::new();
    let platform = repo.references().context("cannot read refs")?;
    for r in platform.all().context("cannot read refs")? {
        let mut r = match r {
            Ok(r) => r,
            Err(e) => {
                eprintln!("warning: unreadable ref: {e}");
                continue;
            }
        };
        let name = r.name().as_bstr().to_string();
        match r.peel_to_id() {
            Ok(id) => out.push((name, id.detach())),
            Err(e) => eprintln!("warning: ref {name}: cannot resolve: {e}"),
        }
    }
    if let Ok(id) = repo.head_id() {
        out.push(("HEAD".to_string(), id.detach()));
    }
    Ok(out)
}

/// Scan each unique blob once in parallel; each finding carries the blob it came from.
fn scan_blobs(
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
fn attach_provenance(
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

/// `--range BASE..HEAD`: the blobs the commits in the range introduce. A finding counts only if
/// its secret is not already in the base's version of that path.
pub fn range(matcher: &Matcher, path: &Path, spec: &str, opts: &GitOptions) -> Result<Outcome> {
    let repo = open(path)?;
    let (base, head) = spec
        .split_once("..")
        .ok_or_else(|| anyhow!("--range {spec:?}: expected BASE..HEAD"))?;
    let head = head.trim_start_matches('.');
    let head = if head.is_empty() { "HEAD" } else { head };
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
    let (base_id, head_id) = (peel(base_id)?, peel(head_id)?);
    scan_range(matcher, repo, &[base_id], head_id, head, opts)
}

/// Scan what `head` adds over `bases` (commits reachable from `head` but from none of `bases`).
fn scan_range(
    matcher: &Matcher,
    repo: gix::Repository,
    bases: &[ObjectId],
    head_id: ObjectId,
    head: &str,
    opts: &GitOptions,
) -> Result<Outcome> {
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
    before.collect_trees(&repo, &HashSet::new())?;
    let mut base_paths: HashMap<String, Vec<ObjectId>> = HashMap::new();
    for (id, (_, p)) in &before.blobs {
        base_paths.entry(p.clone()).or_default().push(*id);
    }
    let known_trees: HashSet<ObjectId> = before.trees.keys().copied().collect();
    let n_commits = in_range.len();
    let mut graph = Graph::new(in_range);
    graph.collect_trees(&repo, &known_trees)?;
    graph.blobs.retain(|id, _| !before.blobs.contains_key(id));
    let repo_for_base = repo.clone();
    let (mut found, mut stats) = scan_blobs(matcher, repo, &graph, opts);
    found.retain(|(f, _)| {
        let Some(old) = base_paths.get(&f.path) else {
            return true;
        };
        f.secret.is_empty()
            || !old.iter().any(|id| {
                read_blob(&repo_for_base, *id, opts.max_file_size)
                    .ok()
                    .flatten()
                    .is_some_and(|data| memchr::memmem::find(&data, f.secret.as_bytes()).is_some())
            })
    });
    let refs = vec![(head.to_string(), head_id)];
    let findings = attach_provenance(&graph, found, &refs, Some(head_id));
    stats.commits = n_commits;
    Ok(Outcome { findings, stats })
}

const ZERO_OID: &str = "0000000000000000000000000000000000000000";

/// Tips of every remote-tracking ref: what the remotes are known to have.
fn remote_tips(repo: &gix::Repository) -> Result<Vec<ObjectId>> {
    Ok(tips(repo)?
        .into_iter()
        .filter(|(n, _)| n.starts_with("refs/remotes/"))
        .map(|(_, id)| id)
        .collect())
}

/// `--pre-push`: what a push would add. Reads the pre-commit framework's
/// `PRE_COMMIT_FROM_REF`/`PRE_COMMIT_TO_REF`, or git's pre-push lines on stdin
/// (`<local ref> <local oid> <remote ref> <remote oid>`). A new branch (no remote oid) is
/// compared with every remote-tracking ref.
pub fn pre_push(matcher: &Matcher, path: &Path, opts: &GitOptions) -> Result<Outcome> {
    let repo = open(path)?;
    if repo.is_shallow().unwrap_or(false) {
        bail!("--pre-push: {SHALLOW_FIX}");
    }
    let mut pushes: Vec<(String, String)> = Vec::new(); // (from, to)
    match std::env::var("PRE_COMMIT_TO_REF") {
        Ok(to) if !to.is_empty() => {
            pushes.push((std::env::var("PRE_COMMIT_FROM_REF").unwrap_or_default(), to))
        }
        _ => {
            let mut input = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut input)
                .context("reading pre-push refs from stdin")?;
            for line in input.lines() {
                let parts: Vec<&str> = line.split_whitespace().collect();
                if let [_, local, _, remote] = parts[..] {
                    pushes.push((remote.to_string(), local.to_string()));
                }
            }
        }
    }
    let mut total = Outcome::default();
    for (from, to) in pushes {
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
        let o = scan_range(matcher, repo.clone(), &bases, head_id, &to, opts)?;
        total.stats.add(&o.stats);
        total.stats.commits += o.stats.commits;
        total.findings.extend(o.findings);
    }
    Ok(total)
}
