//! The rotation checklist, produced in one place for every output (text, JSON, SARIF,
//! markdown, annotations, `explain`): the rule's provider steps (revoke page first, then
//! zero-downtime order) joined with steps for where the secret was found. A staged key has not
//! left the machine; a key in pushed history must be treated as compromised.

use crate::chunk::Place;
use crate::finding::Finding;
use crate::rules::{Purge, Rule};

/// What a scan knows about where all its findings sit, beyond each finding's own place.
#[derive(Debug, Clone, Copy, Default)]
pub struct Situation {
    /// A pre-push scan: the commits it read never left this machine (amend or rebase; no
    /// purge), and the provider's steps apply only if the key went anywhere else.
    pub unpushed: bool,
    /// The repository has no commit yet (a staged first commit).
    pub no_commit_yet: bool,
}

/// The command that unstages `paths`: `git rm --cached` where there is no commit yet (`git
/// restore --staged` cannot resolve HEAD there).
pub fn unstage_command(paths: &str, no_commit_yet: bool) -> String {
    if no_commit_yet {
        format!("git rm --cached {paths}")
    } else {
        format!("git restore --staged {paths}")
    }
}

/// Location steps for a staged secret; `{path}` and `{unstage}` are filled in.
const STAGED: &[&str] = &[
    "It has not left this machine yet: unstage it with `{unstage}` (or edit the file and `git add` it again).",
    "Move the value out of the file: read it from an environment variable referenced by name (e.g. os.environ[\"API_KEY\"]) or from a secret manager.",
    "If it lives in a .env file, add `.env` and `.env.*` (with `!.env.example`) to .gitignore.",
    "If the key was ever pasted, shared or pushed anywhere else, rotate it anyway:",
];

/// Location steps for a secret in the working tree, after the provider steps.
const WORKTREE: &[&str] = &[
    "Move the value out of {path}: read it from an environment variable referenced by name or a secret manager.",
    "If the file is tracked or was ever committed, the key is in history: run `keywarden scan --history` and follow its checklist.",
];

/// Location steps for a secret in committed history: the first before the provider steps, the
/// second after; the purge itself is one plan for the whole scan (`purge_plan`).
const HISTORY_FIRST: &str = "Treat it as compromised: it was committed in {commit} and may have been pushed. Rotate first, then clean history.";
const HISTORY_REPLACE: &str = "Then purge it from history with the purge plan at the end of the report (its value is replaced in every commit).";
const HISTORY_DROP: &str = "Then purge it from history with the purge plan at the end of the report ({path} is dropped from every commit).";

/// Location steps for a secret in local commits a pre-push hook stopped: it never left.
const UNPUSHED: &[&str] = &[
    "It has not left this machine: the push was blocked, and {commit} is only in your local commits.",
    "Take it out of those commits before pushing: in the last commit, edit {path} and `git commit --amend`; in an earlier one, `git rebase -i {commit}~1`, mark that commit `edit`, fix {path}, `git commit --amend` and `git rebase --continue`. Then push again.",
    "Move the value out of the file: read it from an environment variable referenced by name or a secret manager.",
    "If the key was ever pasted, shared or pushed anywhere else, rotate it anyway:",
];

/// For a file rule that drops the file from history, outside a history scan.
const DROP_FILE: &str = "If it was ever pushed, purge it from history (`git filter-repo --invert-paths --path {path}`) and force-push.";

/// What SARIF's rule help says about places, where no single finding is in view.
pub const PLACES_MARKDOWN: &str = "- **Staged**: it has not left this machine. Unstage it, read the value from an environment variable referenced by name, add `.env` to `.gitignore`.\n- **Pushed history**: treat it as compromised. Rotate first, then purge with `git filter-repo --replace-text`, force-push every ref that reaches it and ask collaborators to re-clone.\n";
pub const PLACES_TEXT: &str = "Where it was found matters: a staged key has not left the machine (unstage it and move it to an environment variable); a key in pushed history must be treated as compromised (rotate first, then purge history with git filter-repo and force-push).";

/// A finding's checklist: provider steps and the location steps around them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checklist {
    /// Location steps that come first (a staged key: unstage before anything else).
    pub location_before: Vec<String>,
    /// The rule's own steps, revoke page first.
    pub provider: Vec<String>,
    /// Location steps that come after rotating (move the value out, purge history).
    pub location_after: Vec<String>,
    /// Provider steps are sub-steps of the last `location_before` step (staged keys).
    pub nested: bool,
}

impl Checklist {
    /// The rule's provider steps alone (`explain RULE`, SARIF rule help).
    pub fn for_rule(rule: &Rule) -> Checklist {
        Checklist {
            provider: provider_steps(rule)
                .into_iter()
                .map(|s| s.replace("{path}", "PATH"))
                .collect(),
            ..Checklist::default()
        }
    }

    /// The full checklist of one finding, with its paths and commit filled in.
    pub fn for_finding(rule: &Rule, f: &Finding) -> Checklist {
        Checklist::for_finding_at(rule, f, Situation::default())
    }

    /// `for_finding` in a scan's `Situation`.
    pub fn for_finding_at(rule: &Rule, f: &Finding, at: Situation) -> Checklist {
        // Paths fill commands too: each is one shell word.
        let mut paths: Vec<String> = f
            .locations
            .iter()
            .map(|l| crate::escape::shell_word(&l.path).into_owned())
            .collect();
        paths.dedup();
        let history = f.history.as_deref();
        let commit = history.map(|h| crate::finding::short_id(&h.commit));
        let unstage = unstage_command(&paths.join(" "), at.no_commit_yet);
        let fill = |t: &str| {
            t.replace("{unstage}", &unstage)
                .replace("{path}", &paths.join(", "))
                .replace("{commit}", commit.unwrap_or("an earlier commit"))
        };
        let fill_all = |ts: &[&str]| ts.iter().map(|t| fill(t)).collect::<Vec<_>>();
        let provider = fill_all(
            &provider_steps(rule)
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        let drops = rule.spec.rotate.purge == Purge::DropFile;
        let mut list = match f.place() {
            Place::Staged => Checklist {
                location_before: fill_all(STAGED),
                provider,
                location_after: Vec::new(),
                nested: true,
            },
            Place::Worktree if rule.file_check().is_some() => Checklist {
                provider,
                location_after: if drops {
                    vec![fill(DROP_FILE)]
                } else {
                    Vec::new()
                },
                ..Checklist::default()
            },
            Place::Worktree => Checklist {
                provider,
                location_after: fill_all(WORKTREE),
                ..Checklist::default()
            },
            Place::History if at.unpushed => Checklist {
                location_before: fill_all(UNPUSHED),
                provider,
                location_after: Vec::new(),
                nested: true,
            },
            Place::History => Checklist {
                location_before: vec![fill(HISTORY_FIRST)],
                provider,
                location_after: vec![fill(if drops { HISTORY_DROP } else { HISTORY_REPLACE })],
                nested: false,
            },
        };
        if f.verified == Some(true) && f.verification.is_some() {
            list.location_before.insert(
                0,
                format!(
                    "Revoke now: the provider confirmed this key works ({}).{}",
                    f.verification.as_deref().unwrap_or_default(),
                    if rule.spec.rotate.revoke_url.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " Revoke it at {}, then replace it.",
                            rule.spec.rotate.revoke_url
                        )
                    }
                ),
            );
        }
        list
    }

    /// Every step in the order to do them, numbered as a reader follows them: the provider's
    /// steps under a location step that leads into them are sub-steps (`4.1.`, `4.2.`), with
    /// the indent to print before the number.
    pub fn numbered(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut n = 0;
        for s in &self.location_before {
            n += 1;
            out.push((format!("{n}."), s.clone()));
        }
        if self.nested && n > 0 {
            for (i, s) in self.provider.iter().enumerate() {
                out.push((format!("  {n}.{}.", i + 1), s.clone()));
            }
        } else {
            for s in &self.provider {
                n += 1;
                out.push((format!("{n}."), s.clone()));
            }
        }
        for s in &self.location_after {
            n += 1;
            out.push((format!("{n}."), s.clone()));
        }
        out
    }

    /// Every step in the order to do them.
    pub fn steps(&self) -> Vec<String> {
        let indent = if self.nested { "  " } else { "" };
        self.location_before
            .iter()
            .cloned()
            .chain(self.provider.iter().map(|s| format!("{indent}{s}")))
            .chain(self.location_after.iter().cloned())
            .collect()
    }
}

/// The rule's own steps, revoke page first.
fn provider_steps(rule: &Rule) -> Vec<String> {
    let mut steps = Vec::new();
    if !rule.spec.rotate.revoke_url.is_empty() {
        steps.push(format!(
            "Open {} to manage and revoke this key.",
            rule.spec.rotate.revoke_url
        ));
    }
    steps.extend(rule.spec.rotate.steps.iter().cloned());
    steps
}

/// Refs as a reader takes them in: how many, the branches by name (a few), the tags as a span
/// from the oldest to the newest reaching it (refs come ordered: branches, remotes, tags oldest
/// first, then the rest). The full list stays in JSON and SARIF.
pub fn summarize_refs(refs: &[String]) -> String {
    // Branches, remote branches, tags (by name), then every other ref as it is.
    const KINDS: [(&str, &str); 3] = [
        ("refs/heads/", "branch"),
        ("refs/remotes/", "remote branch"),
        ("refs/tags/", "tag"),
    ];
    let mut kinds: [Vec<String>; 4] = Default::default();
    for r in refs {
        match KINDS.iter().position(|(p, _)| r.starts_with(p)) {
            Some(k) => kinds[k].push(r[KINDS[k].0.len()..].to_string()),
            None => kinds[3].push(r.clone()),
        }
    }
    // One ref needs no count: `branch main`, `tag v1.0`, `HEAD`.
    if refs.len() == 1 {
        return match kinds.iter().position(|v| !v.is_empty()) {
            Some(k) if k < 3 => format!("{} {}", KINDS[k].1, kinds[k][0]),
            _ => refs[0].clone(),
        };
    }
    let [branches, remotes, tags, others] = kinds;
    let few = |v: &[String]| {
        if v.len() <= 3 {
            v.join(", ")
        } else {
            format!("{}, … (+{} more)", v[..3].join(", "), v.len() - 3)
        }
    };
    let mut parts = Vec::new();
    if !branches.is_empty() {
        parts.push(format!("{} branch(es): {}", branches.len(), few(&branches)));
    }
    if !remotes.is_empty() {
        parts.push(format!(
            "{} remote branch(es): {}",
            remotes.len(),
            few(&remotes)
        ));
    }
    match tags.len() {
        0 => {}
        1 => parts.push(format!("tag {}", tags[0])),
        n => parts.push(format!(
            "{n} tags, {} (oldest) to {} (newest)",
            tags[0],
            tags[n - 1]
        )),
    }
    if !others.is_empty() {
        parts.push(format!("{} other: {}", others.len(), few(&others)));
    }
    format!("{} ref(s): {}", refs.len(), parts.join("; "))
}

/// One purge plan for a history scan: what to drop, what to replace, what to force-push.
pub fn purge_plan(findings: &[Finding], rules: &crate::rules::RuleSet) -> Vec<String> {
    let mut drop: Vec<&str> = Vec::new();
    let mut replace = 0usize;
    // The longest ordered list first (branches, remotes, tags oldest first), then any others.
    let mut lists: Vec<&Vec<String>> = findings
        .iter()
        .filter_map(|f| f.history.as_ref().map(|h| &h.refs))
        .collect();
    lists.sort_by_key(|l| std::cmp::Reverse(l.len()));
    let mut refs: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for r in lists.into_iter().flatten() {
        if seen.insert(r) {
            refs.push(r.clone());
        }
    }
    for f in findings.iter().filter(|f| f.history.is_some()) {
        let drops = rules
            .get(&f.rule_id)
            .is_some_and(|r| r.spec.rotate.purge == Purge::DropFile);
        if drops {
            drop.extend(f.locations.iter().map(|l| l.path.as_str()));
        } else if f.secret.is_some() {
            replace += 1;
        }
    }
    if drop.is_empty() && replace == 0 {
        return Vec::new();
    }
    drop.sort();
    drop.dedup();
    let mut plan =
        vec!["Rotate every secret above first: a purge does not un-leak a key.".to_string()];
    if replace > 0 {
        plan.push(format!(
            "Write the {replace} secret(s) to replace: `keywarden scan --history --show-secrets --purge-file secrets.txt` (created mode 0600)."
        ));
    }
    let mut cmd = String::from("git filter-repo");
    for p in &drop {
        cmd.push_str(&format!(
            " --invert-paths --path {}",
            crate::escape::shell_word(p)
        ));
    }
    if replace > 0 {
        cmd.push_str(" --replace-text secrets.txt");
    }
    plan.push(format!(
        "Rewrite history in a fresh clone: `{cmd}`{}.",
        if replace > 0 {
            ", then delete secrets.txt"
        } else {
            ""
        }
    ));
    plan.push(format!(
        "Force-push every rewritten ref ({}): `git push --force --all && git push --force --tags`.",
        if refs.is_empty() {
            "every ref".to_string()
        } else {
            summarize_refs(&refs)
        }
    ));
    plan.push("Ask collaborators to re-clone (an old clone pushes the secrets back), and the host to purge cached views and pull-request refs that still hold the old commits (GitHub: contact support with the commit ids).".to_string());
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_are_summarized_by_kind_with_the_tag_span() {
        let refs: Vec<String> = [
            "HEAD",
            "refs/heads/dev",
            "refs/heads/main",
            "refs/remotes/origin/main",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain((1..=12).map(|i| format!("refs/tags/v1.{i}")))
        .collect();
        assert_eq!(
            summarize_refs(&refs),
            "16 ref(s): 2 branch(es): dev, main; 1 remote branch(es): origin/main; 12 tags, v1.1 (oldest) to v1.12 (newest); 1 other: HEAD"
        );
        assert_eq!(
            summarize_refs(&["refs/heads/feat".to_string()]),
            "branch feat"
        );
        assert_eq!(summarize_refs(&["HEAD".to_string()]), "HEAD");
    }
}
