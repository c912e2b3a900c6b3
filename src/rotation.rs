//! The rotation checklist of a finding: the rule's provider steps (revoke page, zero-downtime
//! order) joined with what to do given where the secret was found. A staged key has not left
//! the machine; a key in pushed history must be treated as compromised.

use crate::finding::Origin;
use crate::rules::Rule;

/// The full checklist, ordered: what to do first comes first.
pub fn checklist(rule: &Rule, origin: &Origin, path: &str) -> Vec<String> {
    let provider = provider_steps(rule);
    let mut steps = Vec::new();
    match origin {
        Origin::Staged => {
            steps.push(format!(
                "It has not left this machine yet: unstage it with `git restore --staged {path}` (or edit the file and `git add` it again)."
            ));
            steps.push(
                "Move the value out of the file: read it from an environment variable referenced by name (e.g. os.environ[\"API_KEY\"]) or from a secret manager."
                    .into(),
            );
            steps.push("If it lives in a .env file, add `.env` and `.env.*` (with `!.env.example`) to .gitignore.".into());
            steps.push(
                "If the key was ever pasted, shared or pushed anywhere else, rotate it anyway:"
                    .into(),
            );
            steps.extend(provider.into_iter().map(|s| format!("  {s}")));
        }
        Origin::Worktree if rule.spec.file.is_some() => steps.extend(provider),
        Origin::Worktree => {
            steps.extend(provider);
            steps.push(format!(
                "Move the value out of {path}: read it from an environment variable referenced by name or a secret manager."
            ));
            steps.push(
                "If the file is tracked or was ever committed, the key is in history: run `keywarden scan --history` and follow its checklist."
                    .into(),
            );
        }
        Origin::History(h) => {
            steps.push(format!(
                "Treat it as compromised: it was committed in {} and may have been pushed. Rotate first, then clean history.",
                short(&h.commit)
            ));
            steps.extend(provider);
            steps.push(
                "Purge it from history: `git filter-repo --replace-text secrets.txt` (write secrets.txt with `keywarden scan --history --show-secrets --purge-file secrets.txt`; it is created mode 0600, delete it afterwards)."
                    .into(),
            );
            let refs = if h.refs.is_empty() {
                "every ref that reaches it".to_string()
            } else {
                h.refs.join(", ")
            };
            steps.push(format!(
                "Force-push every rewritten ref ({refs}) and ask collaborators to re-clone."
            ));
            steps.push(
                "Ask the host to purge cached views and pull-request refs that still hold the old commits (GitHub: contact support with the commit ids)."
                    .into(),
            );
        }
    }
    steps
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

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}
