//! The rotation checklist, produced in one place for every output (text, JSON, SARIF,
//! markdown, annotations, `explain`): the rule's provider steps (revoke page first, then
//! zero-downtime order) joined with steps for where the secret was found. A staged key has not
//! left the machine; a key in pushed history must be treated as compromised.

use crate::chunk::Place;
use crate::finding::Finding;
use crate::rules::Rule;

/// Location steps for a staged secret; `{path}` is filled in.
const STAGED: &[&str] = &[
    "It has not left this machine yet: unstage it with `git restore --staged {path}` (or edit the file and `git add` it again).",
    "Move the value out of the file: read it from an environment variable referenced by name (e.g. os.environ[\"API_KEY\"]) or from a secret manager.",
    "If it lives in a .env file, add `.env` and `.env.*` (with `!.env.example`) to .gitignore.",
    "If the key was ever pasted, shared or pushed anywhere else, rotate it anyway:",
];

/// Location steps for a secret in the working tree, after the provider steps.
const WORKTREE: &[&str] = &[
    "Move the value out of {path}: read it from an environment variable referenced by name or a secret manager.",
    "If the file is tracked or was ever committed, the key is in history: run `keywarden scan --history` and follow its checklist.",
];

/// Location steps for a secret in committed history: the first before the provider steps.
const HISTORY_FIRST: &str = "Treat it as compromised: it was committed in {commit} and may have been pushed. Rotate first, then clean history.";
const HISTORY_THEN: &[&str] = &[
    "Purge it from history: `git filter-repo --replace-text secrets.txt` (write secrets.txt with `keywarden scan --history --show-secrets --purge-file secrets.txt`; it is created mode 0600, delete it afterwards).",
    "Force-push every rewritten ref ({refs}) and ask collaborators to re-clone.",
    "Ask the host to purge cached views and pull-request refs that still hold the old commits (GitHub: contact support with the commit ids).",
];

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
            provider: provider_steps(rule),
            ..Checklist::default()
        }
    }

    /// The full checklist of one finding, with its paths, commit and refs filled in.
    pub fn for_finding(rule: &Rule, f: &Finding) -> Checklist {
        let mut paths: Vec<&str> = f.locations.iter().map(|l| l.path.as_str()).collect();
        paths.dedup();
        let history = f.history.as_deref();
        let commit = history.map(|h| &h.commit[..h.commit.len().min(12)]);
        let refs = match history {
            Some(h) if !h.refs.is_empty() => h.refs.join(", "),
            _ => "every ref that reaches it".to_string(),
        };
        let fill = |t: &str| {
            t.replace("{path}", &paths.join(", "))
                .replace("{commit}", commit.unwrap_or("an earlier commit"))
                .replace("{refs}", &refs)
        };
        let fill_all = |ts: &[&str]| ts.iter().map(|t| fill(t)).collect::<Vec<_>>();
        let provider = provider_steps(rule);
        match f.place() {
            Place::Staged => Checklist {
                location_before: fill_all(STAGED),
                provider,
                location_after: Vec::new(),
                nested: true,
            },
            Place::Worktree if rule.file_check().is_some() => Checklist {
                provider,
                ..Checklist::default()
            },
            Place::Worktree => Checklist {
                provider,
                location_after: fill_all(WORKTREE),
                ..Checklist::default()
            },
            Place::History => Checklist {
                location_before: vec![fill(HISTORY_FIRST)],
                provider,
                location_after: fill_all(HISTORY_THEN),
                nested: false,
            },
        }
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
