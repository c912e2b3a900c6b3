//! `--history`, and the blob listing every commit-walking source shares: each unique blob is
//! read once; after matching, it answers where content stands and where it entered history
//! (`Facts`).

use super::deltas::{Blob, Inflater, Mapped, Packed, Packs, ROOT, read_packed};
use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::{Result, anyhow, bail};
use gix::ObjectId;

use super::graph::{Graph, IdMap, tips, walk_commits};
use super::{SHALLOW_FIX, blob_holds, item, open, read_blob, reopen};
use crate::chunk::{Exposure, Provenance, Removal};
use crate::source::{Read, Source};

use crate::change::Change;
use crate::chunk::HistoryInfo;
use crate::source::{Earlier, Facts, PathJudge, Revision, Stage};
use rayon::prelude::*;

/// Unique blobs of a set of commits, read in delta-chain order, with what is needed to attach
/// provenance afterwards. `--history`, `--range` and `--pre-push` are all this.
pub struct Blobs {
    /// Reads blobs for the scan; refuses any object over `max_file_size` (see `reopen`).
    pub(super) repo: gix::ThreadSafeRepository,
    /// No size limit: reads what the limited handle refused (a small blob stored as a delta of
    /// a big one) and the base versions of a range.
    pub(super) full: gix::ThreadSafeRepository,
    pub(super) graph: Graph,
    /// Blobs in reading order: along the packs' delta trees (see `deltas`), otherwise
    /// revisions of one file together (paths stay in the graph).
    pub(super) items: Vec<Blob>,
    /// Items from `planned` on are blobs matched again at another path (`alt_paths`).
    planned: u32,
    alt_paths: Vec<String>,
    /// Per blob: (the path it was matched at, another path of the same class).
    fan: IdMap<Vec<(String, String)>>,
    /// The packs the plan read (its places index them), mapped again untouched: each reader
    /// maps them again for itself.
    pub(super) packs: Packs,
    /// Refs reported as reaching a secret's first commit.
    pub(super) refs: Vec<(String, ObjectId)>,
    pub(super) head: Option<ObjectId>,
    /// For ranges: blobs at each path on the base side; a secret already there is not new.
    pub(super) base_paths: HashMap<String, Vec<ObjectId>>,
    pub(super) max_file_size: u64,
    pub(super) excluded: usize,
    /// What listing cost (commit walk, tree walk), for `--stats`.
    pub(super) stages: Vec<Stage>,
}

impl Blobs {
    pub(super) fn new(
        repo: gix::Repository,
        mut graph: Graph,
        refs: Vec<(String, ObjectId)>,
        head: Option<ObjectId>,
        max_file_size: u64,
        judge: PathJudge,
    ) -> Result<Blobs> {
        // Revisions of a file share its path (cargo's 64,000 paths of blobs are under 8,000
        // distinct ones): each distinct path is judged once, in parallel, and its rank among
        // them sorts the blobs by an integer instead of a string compare. Paths come from the
        // repository, so the set is keyed per process (foldhash), not by a fixed function a
        // crafted tree could collide.
        let paths: foldhash::HashMap<String, Judged> = {
            let mut distinct: Vec<&str> = graph
                .blobs
                .values()
                .chain(graph.more_paths.values().flatten())
                .map(|(_, p)| p.as_str())
                .collect::<foldhash::HashSet<&str>>()
                .into_iter()
                .collect();
            distinct.par_sort_unstable();
            let judged: Vec<Judged> = distinct
                .par_iter()
                .enumerate()
                .map(|(rank, p)| Judged {
                    rank: rank as u32,
                    class: (judge.admit)(p).then(|| (judge.class)(p)),
                })
                .collect();
            distinct
                .into_iter()
                .map(str::to_owned)
                .zip(judged)
                .collect()
        };
        let judged = |p: &str| paths.get(p).copied().unwrap_or(Judged::NONE);
        let excluded = graph.drop_paths(|_, p| judged(p).class.is_none());
        // A blob is matched at its first admitted path; another path of the same class shares
        // that match, one of another class is matched again as its own item.
        let class_of = |p: &str| judged(p).class.unwrap_or_else(|| (judge.class)(p));
        let mut fan: IdMap<Vec<(String, String)>> = IdMap::default();
        let mut alts: Vec<(ObjectId, String)> = Vec::new();
        for (id, others) in &graph.more_paths {
            let first = &graph.blobs[id].1;
            let mut classes: Vec<(u64, &String)> = vec![(class_of(first), first)];
            for (_, p) in others {
                let c = class_of(p);
                match classes.iter().find(|k| k.0 == c) {
                    Some((_, scanned)) => fan
                        .entry(*id)
                        .or_default()
                        .push(((*scanned).clone(), p.clone())),
                    None => {
                        classes.push((c, p));
                        alts.push((*id, p.clone()));
                    }
                }
            }
        }
        alts.sort();
        // Revisions of one file together (by path, then first commit): what the packs do not
        // explain keeps this order.
        let mut sorted: Vec<(u32, usize, ObjectId)> = graph
            .blobs
            .iter()
            .map(|(id, (ci, p))| (judged(p).rank, *ci, *id))
            .collect();
        sorted.par_sort_unstable();
        let ids: Vec<ObjectId> = sorted.into_iter().map(|(_, _, id)| id).collect();
        let scan = reopen(&repo, Some(max_file_size))?.into_sync();
        let full = reopen(&repo, None)?.into_sync();
        let objects = repo.objects.store_ref().path().to_owned();
        let hash = repo.object_hash();
        // The pages of the pack that listing commits and trees mapped go with the listing's
        // handle, before planning maps every blob's header.
        drop(repo);
        let t = std::time::Instant::now();
        let packs = Packs::open(&objects, hash);
        let mut items = super::deltas::plan(&packs, ids);
        let planned = items.len() as u32;
        let plan = Stage {
            name: "list: order blobs along delta chains",
            time: t.elapsed(),
            detail: format!(
                "{} pack(s), {} blob(s) with their delta base in the scan, {} matched again at a path of another kind",
                packs.len(),
                items.iter().filter(|b| b.base != ROOT).count(),
                alts.len()
            ),
        };
        let mut alt_paths = Vec::with_capacity(alts.len());
        for (i, (id, path)) in alts.into_iter().enumerate() {
            items.push(Blob {
                id,
                key: planned + i as u32,
                base: ROOT,
                shared: false,
                place: None,
            });
            alt_paths.push(path);
        }
        // The plan touched a header in every page of the packs: a fresh mapping lets them go.
        let packs = packs.again().unwrap_or(packs);
        Ok(Blobs {
            repo: scan,
            full,
            graph,
            items,
            planned,
            alt_paths,
            fan,
            packs,
            refs,
            head,
            base_paths: HashMap::new(),
            max_file_size,
            excluded,
            stages: vec![plan],
        })
    }

    /// The path an item is matched at.
    fn path_of(&self, blob: &Blob) -> &str {
        match blob.key.checked_sub(self.planned) {
            Some(i) => &self.alt_paths[i as usize],
            None => self
                .graph
                .blobs
                .get(&blob.id)
                .map_or("", |(_, p)| p.as_str()),
        }
    }
}

/// What one distinct path was judged: its rank among them (sorted), and its class when the
/// scan admits it.
#[derive(Clone, Copy)]
struct Judged {
    rank: u32,
    class: Option<u64>,
}

impl Judged {
    /// A path not judged beforehand (none: every path of the graph is).
    const NONE: Judged = Judged {
        rank: u32::MAX,
        class: None,
    };
}

/// One thread's reading state.
pub struct BlobReader {
    repo: gix::Repository,
    packs: Mapped,
    inflate: Inflater,
    /// A delta's instructions, inflated.
    scratch: Vec<u8>,
}

impl Source for Blobs {
    type Item = Blob;
    type Reader = BlobReader;

    fn items(&self) -> &[Blob] {
        &self.items
    }

    fn reader(&self) -> BlobReader {
        BlobReader {
            repo: self.repo.to_thread_local(),
            packs: Mapped::of(&self.packs),
            inflate: Inflater::default(),
            scratch: Vec::new(),
        }
    }

    fn read(&self, reader: &mut BlobReader, blob: &Blob) -> Read {
        self.read_after(reader, blob, &crate::source::Nothing)
    }

    fn read_after(&self, reader: &mut BlobReader, blob: &Blob, earlier: &dyn Earlier) -> Read {
        let id = blob.id;
        let path = self.path_of(blob);
        let base = (blob.base != ROOT)
            .then(|| earlier.bytes(blob.base))
            .flatten();
        let mut touched = 0;
        let packed = read_packed(
            reader.packs.packs(),
            blob,
            base,
            &mut reader.inflate,
            &mut reader.scratch,
            self.max_file_size,
            &mut touched,
        );
        reader.packs.count(touched);
        let (read, from) = match packed {
            Some(Packed::Bytes(bytes, copies)) => {
                let from = copies.zip(base).map(|(copies, base)| {
                    (
                        blob.base,
                        Change::from_copies(&copies, base.len(), bytes.len()),
                    )
                });
                (Ok(Some(bytes)), from)
            }
            // Over the limit (itself, or a delta base on the way), or missing: the header
            // decides, through the unlimited handle, and names the problem.
            Some(Packed::TooLarge) => (
                read_blob(&self.full.to_thread_local(), id, self.max_file_size),
                None,
            ),
            None => {
                let read = match reader.repo.find_object(id) {
                    Ok(obj) => Ok(Some(obj.detach().data)),
                    Err(_) => read_blob(&self.full.to_thread_local(), id, self.max_file_size),
                };
                (read, None)
            }
        };
        let mut read = item(
            read,
            id,
            path,
            Provenance::Blob(id),
            true,
            self.max_file_size,
        );
        if let Read::Chunk { revision, .. } = &mut read {
            *revision = Some(Revision {
                key: blob.key,
                shared: blob.shared,
                from,
            });
        }
        read
    }

    fn facts(&self) -> &dyn Facts {
        self
    }

    fn commits(&self) -> usize {
        self.graph.commits.len()
    }

    fn excluded(&self) -> usize {
        self.excluded
    }

    fn stages(&self) -> Vec<Stage> {
        self.stages.clone()
    }

    fn progress_label(&self) -> Option<String> {
        Some(format!("{} commits walked", self.graph.commits.len()))
    }
}

/// Branches first, then remote branches, tags, and other refs (HEAD, stash).
fn ref_rank(name: &str) -> u8 {
    if name.starts_with("refs/heads/") {
        0
    } else if name.starts_with("refs/remotes/") {
        1
    } else if name.starts_with("refs/tags/") {
        2
    } else {
        3
    }
}

fn iso_date(secs: i64) -> String {
    let s = crate::civil::format_unix(secs);
    format!("{}T{}Z", &s[..10], &s[11..19])
}

impl Facts for Blobs {
    /// Paths of the same class share what was found at one of them (archive members follow
    /// their blob: `dir/a.zip!key.txt`).
    fn also_at(&self, blob: ObjectId, path: &str) -> Vec<String> {
        let Some(pairs) = self.fan.get(&blob) else {
            return Vec::new();
        };
        pairs
            .iter()
            .filter_map(|(scanned, other)| {
                let rest = path.strip_prefix(scanned.as_str())?;
                (rest.is_empty() || rest.starts_with('!')).then(|| format!("{other}{rest}"))
            })
            .collect()
    }

    /// A range: the base's version of the path (any of them, for a path in several bases).
    fn base_had(&self, path: &str, secret: &str) -> bool {
        let Some(old) = self.base_paths.get(path) else {
            return false;
        };
        let repo = self.full.to_thread_local();
        old.iter()
            .any(|id| blob_holds(&repo, *id, secret, self.max_file_size))
    }

    fn has_history(&self) -> bool {
        true
    }

    fn first_commit(&self, blob: ObjectId) -> usize {
        self.graph
            .blobs
            .get(&blob)
            .map_or(usize::MAX, |(ci, _)| *ci)
    }

    /// Per group: how many commits hold any of its blobs, whether HEAD does, the commits that
    /// introduced it (they hold it and none of their parents in the scan does; the earliest by
    /// author time first), and the refs that reach that commit.
    fn history(&self, groups: &[Vec<ObjectId>]) -> Vec<HistoryInfo> {
        let graph = &self.graph;
        let targets: HashMap<ObjectId, usize> = {
            let mut ids: Vec<ObjectId> = groups.iter().flatten().copied().collect();
            ids.sort();
            ids.dedup();
            ids.into_iter().enumerate().map(|(i, b)| (b, i)).collect()
        };
        if targets.is_empty() {
            return vec![HistoryInfo::default(); groups.len()];
        }
        // Independent passes over the graph, on both threads.
        let (commit_bits, children) =
            rayon::join(|| graph.commit_bits(&targets), || graph.children());
        let has = |bits: &[u64], t: usize| bits[t / 64] & (1 << (t % 64)) != 0;
        let head_idx = self.head.and_then(|h| graph.index.get(&h).copied());
        // HEAD's first-parent line, newest first: where a secret left HEAD.
        let head_line: Vec<usize> = std::iter::successors(head_idx, |&ci| {
            graph.commits[ci]
                .parents
                .first()
                .and_then(|p| graph.index.get(p).copied())
        })
        .take(graph.commits.len())
        .collect();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        groups
            .par_iter()
            .map(|blobs| {
                let blob_idx: Vec<usize> = blobs
                    .iter()
                    .filter_map(|b| targets.get(b).copied())
                    .collect();
                let holds = |ci: usize| blob_idx.iter().any(|&t| has(&commit_bits[ci], t));
                let commits = (0..graph.commits.len()).filter(|&ci| holds(ci)).count();
                let mut introducers: Vec<usize> = (0..graph.commits.len())
                    .filter(|&ci| {
                        holds(ci)
                            && !graph.commits[ci]
                                .parents
                                .iter()
                                .filter_map(|p| graph.index.get(p))
                                .any(|&pi| holds(pi))
                    })
                    .collect();
                introducers.sort_by_key(|&ci| (graph.commits[ci].author_time, ci));
                let mut info = HistoryInfo {
                    blob: blobs.first().map(|b| b.to_string()).unwrap_or_default(),
                    commits,
                    in_head: head_idx.is_some_and(holds),
                    introduced_in: introducers
                        .iter()
                        .skip(1)
                        .map(|&ci| graph.commits[ci].id.to_string())
                        .collect(),
                    ..HistoryInfo::default()
                };
                if let Some(&ci) = introducers.first() {
                    let c = &graph.commits[ci];
                    info.commit = c.id.to_string();
                    info.author = c.author.clone();
                    info.date = iso_date(c.author_time);
                    // The newest commit of HEAD's line that holds it; its child on the line
                    // removed it (none when that is HEAD itself).
                    let removed = match head_line.iter().position(|&li| holds(li)) {
                        Some(k) if k > 0 => Some(head_line[k - 1]),
                        _ => None,
                    };
                    info.removed_in = removed.map(|ri| Removal {
                        commit: graph.commits[ri].id.to_string(),
                        date: iso_date(graph.commits[ri].author_time),
                    });
                    let until = removed.map_or(now, |ri| graph.commits[ri].author_time);
                    info.exposed_for = Some(Exposure {
                        since: info.date.clone(),
                        until: info.removed_in.as_ref().map(|r| r.date.clone()),
                        days: (until - c.author_time).max(0) as u64 / 86_400,
                    });
                    let desc = Graph::descendants(&children, ci);
                    // Branches, remote branches, tags (oldest first, by their commit's place in
                    // the graph), then the rest: the order `checklist::summarize_refs` reads.
                    let mut named: Vec<(u8, usize, &String)> = self
                        .refs
                        .iter()
                        .filter_map(|(n, id)| {
                            let i = *graph.index.get(id)?;
                            desc[i].then_some((ref_rank(n), i, n))
                        })
                        .map(|(k, i, n)| (k, if k == 2 { i } else { 0 }, n))
                        .collect();
                    named.sort();
                    named.dedup_by(|a, b| a.2 == b.2);
                    info.refs = named.into_iter().map(|(_, _, n)| n.clone()).collect();
                }
                info
            })
            .collect()
    }
}

/// `--history`: every blob reachable from every ref (and with `--all-objects`, from commits
/// and blobs no ref reaches).
pub fn history(
    path: &Path,
    all_objects: bool,
    max_file_size: u64,
    judge: PathJudge,
) -> Result<Blobs> {
    let repo = open(path)?;
    if repo.is_shallow().unwrap_or(false) {
        bail!("--history: {SHALLOW_FIX}");
    }
    let refs = tips(&repo)?;
    let replaced = refs
        .iter()
        .filter(|(n, _)| n.starts_with("refs/replace/"))
        .count();
    if replaced > 0 {
        crate::messages::warn(format!(
            "{replaced} replace ref(s) (refs/replace/, from `git replace`): objects are read as stored, never through a replacement, and each replacement is scanned too"
        ));
    }
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
    if all_objects {
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
    let t = std::time::Instant::now();
    let commits = walk_commits(&repo, &commit_tips, &HashSet::new())?;
    let walk = Stage {
        name: "list: walk commits",
        time: t.elapsed(),
        detail: format!("{} commit(s), {} ref(s)", commits.len(), refs.len()),
    };
    // The pages of the pack that listing commits mapped go with that handle.
    let fresh = reopen(&repo, None)?;
    drop(repo);
    let repo = fresh;
    let t = std::time::Instant::now();
    let mut graph = Graph::new(commits);
    graph.collect_trees(&repo, &HashSet::new(), false)?;
    let trees = Stage {
        name: "list: walk trees",
        time: t.elapsed(),
        detail: format!(
            "{} tree(s), {} blob(s) at {} more path(s)",
            graph.trees.len(),
            graph.blobs.len(),
            graph.more_paths.values().map(Vec::len).sum::<usize>()
        ),
    };
    for id in loose_blobs.into_iter().chain(unreachable_blobs) {
        graph
            .blobs
            .entry(id)
            .or_insert_with(|| (usize::MAX, format!("(unreachable blob {id})")));
    }
    let head = repo.head_id().ok().map(|h| h.detach());
    let mut blobs = Blobs::new(repo, graph, refs, head, max_file_size, judge)?;
    blobs.stages.splice(0..0, [walk, trees]);
    Ok(blobs)
}
