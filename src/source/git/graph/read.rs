//! Reading commits and trees for the walks: straight from the packs, each delta applied to its
//! base's bytes kept in a cache of recently built objects.
//!
//! The walk reads a history's trees oldest commit first, but a pack stores a directory's older
//! versions as deltas of its newer ones, in chains up to 50 deep. gix caches the whole object
//! at the bottom of a chain, so every older version applied the chain again (on git/git's
//! history 167,745 trees cost 6.6 s of CPU). Here every tree built on the way down is kept, so
//! the next older version finds its base built: one delta applied per tree.

use std::collections::VecDeque;
use std::rc::Rc;

use anyhow::{Context, Result};
use gix::ObjectId;
use gix::odb::pack;

use super::super::deltas::{Built, Bytes, Inflater, Kept, Mapped, Packs, Reading, build};

/// Bytes of built trees a tree reader keeps, per walking thread. A commit reader keeps none:
/// commits are seldom deltas, and 8 MiB each of commits only raised peak memory.
pub(super) const TREE_CACHE_BYTES: usize = 8 << 20;

/// One walking thread's reader of commits or trees.
pub(super) struct ObjectReader {
    packs: Mapped,
    inflate: Inflater,
    scratch: Vec<u8>,
    cache: Cache,
}

/// Built objects by place in the packs, forgotten past `budget` bytes, oldest first unless used
/// since it was kept (then it goes to the back once: a second chance, as close to least recently
/// used as a B-tree of use times was, at a hash lookup per use).
struct Cache {
    budget: usize,
    /// Each object, and whether it was used since it came to the back of `queue`.
    /// Keyed per process (foldhash), as places come from the repository; SipHash over these
    /// keys was about 1% of cargo's history.
    objects: foldhash::HashMap<(u32, u64), (Bytes, bool)>,
    queue: VecDeque<(u32, u64)>,
    held: usize,
}

impl ObjectReader {
    /// A reader of `packs` (their indexes shared with it), keeping up to `cache_bytes` of
    /// built objects.
    pub(super) fn new(packs: &Packs, cache_bytes: usize) -> ObjectReader {
        ObjectReader {
            packs: Mapped::of(packs),
            inflate: Inflater::default(),
            scratch: Vec::new(),
            cache: Cache {
                budget: cache_bytes,
                objects: foldhash::HashMap::default(),
                queue: VecDeque::new(),
                held: 0,
            },
        }
    }

    /// The bytes of `id`, an object of `kind`: from the packs when it is packed (down its
    /// delta chain to a cached object or a whole one, every object built on the way kept),
    /// otherwise (a loose object, an alternate's pack, anything the packs do not explain)
    /// through gix, which names any problem.
    pub(super) fn read(
        &mut self,
        repo: &gix::Repository,
        id: ObjectId,
        kind: pack::data::entry::Header,
    ) -> Result<Bytes> {
        if let Some(place) = self.packs.packs().locate(&id) {
            let mut touched = 0;
            let built = build(
                self.packs.packs(),
                place,
                kind,
                super::super::OBJECT_LIMIT,
                Reading {
                    inflate: &mut self.inflate,
                    scratch: &mut self.scratch,
                    touched: &mut touched,
                },
                &mut self.cache,
            );
            self.packs.count(touched);
            if let Some(Built::Bytes(bytes)) = built {
                return Ok(bytes);
            }
        }
        let obj = repo.find_object(id).with_context(|| {
            let kind = kind.as_kind().map_or("object".into(), |k| k.to_string());
            format!("{kind} {id}: missing or corrupt")
        })?;
        Ok(Rc::new(obj.detach().data))
    }
}

impl Kept for Cache {
    fn get(&mut self, key: (u32, u64)) -> Option<Bytes> {
        let (bytes, used) = self.objects.get_mut(&key)?;
        *used = true;
        Some(bytes.clone())
    }

    /// Keep a built object, forgetting old ones past the budget.
    fn keep(&mut self, key: (u32, u64), bytes: &Bytes) {
        if bytes.len() > self.budget / 8 || self.objects.contains_key(&key) {
            return;
        }
        self.objects.insert(key, (bytes.clone(), false));
        self.queue.push_back(key);
        self.held += bytes.len();
        while self.held > self.budget {
            let Some(old) = self.queue.pop_front() else {
                break;
            };
            match self.objects.get_mut(&old) {
                Some((_, used)) if *used => {
                    *used = false;
                    self.queue.push_back(old);
                }
                Some(_) => {
                    if let Some((b, _)) = self.objects.remove(&old) {
                        self.held -= b.len();
                    }
                }
                None => {}
            }
        }
    }
}
