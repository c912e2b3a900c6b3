//! `--history` names the commit that really introduced a secret, whatever the clocks say, and
//! reads well after a leak: refs summarised, one purge plan per scan.

use std::path::Path;

use crate::util::fakes::Fakes;
use crate::util::*;

fn history_json(d: &Path) -> serde_json::Value {
    let run = keywarden(d, &["scan", "--history", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    json(&run)
}

/// `id base` per blob, as git stored it (the null id: not a delta).
fn delta_bases(d: &Path, ids: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args(["cat-file", "--batch-check=%(objectname) %(deltabase)"])
        .current_dir(d)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin
                .take()
                .unwrap()
                .write_all((ids.join("\n") + "\n").as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn commit_of(j: &serde_json::Value, path: &str) -> Vec<String> {
    j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == path)
        .map(|f| f["commit"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn commits_in_the_same_second_name_the_commit_that_added_the_key() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let mut f = Fakes::new(150);
    let (a, b) = (f.stripe_live(), f.github());
    write(
        d,
        "src/config.py",
        &format!("# FAKE keys for a test\nA = \"{a}\"\nB = \"{b}\"\n"),
    );
    let init = commit_all(d, "init", 1_700_000_000);
    write(d, "src/old.py", "x = 1\n");
    commit_all(d, "add-old", 1_700_000_000);
    git(d, &["rm", "-q", "src/old.py"]);
    commit_all(d, "rm-old", 1_700_000_000);
    let j = history_json(d);
    assert_eq!(
        commit_of(&j, "src/config.py"),
        vec![init.clone(), init.clone()]
    );
    let text = keywarden(d, &["scan", "--history"]);
    assert!(
        text.stdout.contains(&format!("commit  {init}")),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains(&format!("committed in {}", &init[..12]))
    );
}

#[test]
fn a_child_older_than_its_parent_does_not_move_the_first_commit() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let key = Fakes::new(151).stripe_live();
    write(
        d,
        "a.py",
        &format!("# FAKE key for a test\nK = \"{key}\"\n"),
    );
    let first = commit_all(d, "adds the key", 1_700_000_500);
    write(d, "b.py", "y = 2\n");
    commit_all(d, "clock skew: dated before its parent", 1_700_000_000);
    let j = history_json(d);
    assert_eq!(commit_of(&j, "a.py"), vec![first]);
}

#[test]
fn two_branches_adding_the_same_secret_both_count() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    write(d, "README.md", "# app\n");
    commit_all(d, "init", 1_700_000_000);
    let key = Fakes::new(152).stripe_live();
    let line = format!("# FAKE key for a test\nK = \"{key}\"\n");
    git(d, &["checkout", "-q", "-b", "one"]);
    write(d, "pay.py", &line);
    let on_one = commit_all(d, "one adds it", 1_700_000_200);
    git(d, &["checkout", "-q", "main"]);
    git(d, &["checkout", "-q", "-b", "two"]);
    write(d, "pay.py", &line);
    let on_two = commit_all(d, "two adds it", 1_700_000_100);
    let j = history_json(d);
    let f = &j["findings"][0];
    assert_eq!(f["commit"], on_two.as_str(), "the earliest by author time");
    assert_eq!(f["introduced_in"], serde_json::json!([on_one]));
}

/// Two branches taking turns in one directory: the walk compares each tree with its first
/// parent's (the tree walked just before it is the other branch's), and the commits that hold
/// the key are counted exactly from those records.
#[test]
fn branches_taking_turns_count_exactly_the_commits_that_hold_a_key() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    write(d, "src/shared.py", "x = 0\n");
    commit_all(d, "init", 1_700_000_000);
    git(d, &["branch", "feature"]);
    let key = Fakes::new(153).stripe_live();
    let mut t = 1_700_000_100;
    for i in 0..24 {
        git(d, &["checkout", "-q", "main"]);
        write(d, &format!("src/main_{i}.py"), &format!("m = {i}\n"));
        write(d, &format!("src/deep/main_{i}.py"), "m = 1\n");
        commit_all(d, &format!("main {i}"), t);
        git(d, &["checkout", "-q", "feature"]);
        let body = if (5..10).contains(&i) || (16..19).contains(&i) {
            format!("# FAKE key for a test\nK = \"{key}\"\n")
        } else {
            format!("f = {i}\n")
        };
        write(d, "src/deep/feature.py", &body);
        write(d, &format!("src/feature_{i}.py"), "y = 1\n");
        commit_all(d, &format!("feature {i}"), t + 5);
        t += 10;
    }
    git(d, &["checkout", "-q", "main"]);
    let j = history_json(d);
    let found = j["findings"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{j}");
    assert_eq!(
        found[0]["commits"], 8,
        "feature 5 to 9 and 16 to 18 hold it"
    );
    assert_eq!(found[0]["in_head"], false);
}

#[test]
fn a_merge_that_introduces_the_key_by_conflict_resolution_is_the_first_commit() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    write(d, "conf.py", "K = None\n");
    commit_all(d, "init", 1_700_000_000);
    git(d, &["checkout", "-q", "-b", "side"]);
    write(d, "conf.py", "K = 'side'\n");
    commit_all(d, "side", 1_700_000_100);
    git(d, &["checkout", "-q", "main"]);
    write(d, "conf.py", "K = 'main'\n");
    commit_all(d, "main", 1_700_000_200);
    let merge = std::process::Command::new("git")
        .args(["merge", "-q", "side"])
        .current_dir(d)
        .env("HOME", d)
        .output()
        .unwrap();
    assert!(!merge.status.success(), "a conflict");
    let key = Fakes::new(153).stripe_live();
    write(
        d,
        "conf.py",
        &format!("# FAKE key for a test\nK = \"{key}\"\n"),
    );
    let merged = commit_all(d, "merge side, resolved with the key", 1_700_000_300);
    let parents = git(d, &["rev-list", "--parents", "-n", "1", "HEAD"]);
    assert_eq!(parents.split_whitespace().count(), 3, "a merge commit");
    let j = history_json(d);
    assert_eq!(commit_of(&j, "conf.py"), vec![merged]);
}

#[test]
fn many_refs_are_summarised_and_the_purge_plan_is_given_once() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let mut f = Fakes::new(154);
    let (a, b) = (f.stripe_live(), f.github());
    write(
        d,
        ".env",
        &format!("# FAKE values for a test\nSTRIPE_KEY={a}\n"),
    );
    write(
        d,
        "app.py",
        &format!("# FAKE key for a test\nT = \"{b}\"\n"),
    );
    commit_all(d, "leak", 1_700_000_000);
    for i in 1..=30 {
        write(d, "n.txt", &format!("{i}\n"));
        commit_all(d, &format!("c{i}"), 1_700_000_000 + i);
        git(d, &["tag", &format!("v1.{i}")]);
    }
    let run = keywarden(d, &["scan", "--history"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let out = &run.stdout;
    assert!(
        out.contains(
            "32 ref(s): 1 branch(es): main; 30 tags, v1.1 (oldest) to v1.30 (newest); 1 other: HEAD"
        ),
        "{out}"
    );
    assert!(
        !out.contains("refs/tags/v1.17"),
        "no full ref list in text: {out}"
    );
    assert_eq!(
        out.matches("Purge plan for this history:").count(),
        1,
        "{out}"
    );
    assert_eq!(
        out.matches("git filter-repo").count(),
        1,
        "one purge command: {out}"
    );
    assert!(
        out.contains("`git filter-repo --invert-paths --path .env --replace-text secrets.txt`"),
        "{out}"
    );
    let j = json(&keywarden(d, &["scan", "--history", "--format", "json"]));
    assert_eq!(
        j["findings"][0]["refs"].as_array().unwrap().len(),
        32,
        "full list in JSON"
    );
    assert!(!j["purge_plan"].as_array().unwrap().is_empty());
    assert_no_secret(&run, &[&a, &b]);
}

/// A mirror with 100,000 tags: the scan finishes, every ref reaching the leak is counted, the
/// text summarises them in one line, and JSON keeps the full list. (Whether time stays linear
/// in the number of refs is measured by `bench/bench.py --refs`, not here.)
#[test]
fn a_hundred_thousand_tags_are_read_and_summarised() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    write(d, "README.md", "# before the leak\n");
    let before = commit_all(d, "start", 1_700_000_000);
    let mut f = Fakes::new(155);
    let key = f.github();
    write(
        d,
        "app.py",
        &format!("# FAKE key for a test\nT = \"{key}\"\n"),
    );
    let leak = commit_all(d, "leak", 1_700_000_100);
    // Written straight into packed-refs, as a mirror fetch leaves them: half the tags point
    // before the leak, half at it.
    let mut packed = String::from("# pack-refs with: peeled fully-peeled sorted \n");
    let mut names: Vec<String> = (0..100_000).map(|i| format!("refs/tags/m{i:06}")).collect();
    names.sort();
    for (i, name) in names.iter().enumerate() {
        let target = if i % 2 == 0 { &before } else { &leak };
        packed.push_str(&format!("{target} {name}\n"));
    }
    std::fs::write(d.join(".git/packed-refs"), packed).unwrap();
    assert_eq!(
        git(d, &["for-each-ref", "--count=200000"]).lines().count(),
        100_001
    );

    let run = keywarden(d, &["scan", "--history"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout
            .contains("50002 ref(s): 1 branch(es): main; 50000 tags, m000001 (oldest) to m099999 (newest); 1 other: HEAD"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.len() < 20_000,
        "text stays short: {} bytes",
        run.stdout.len()
    );
    let j = json(&keywarden(d, &["scan", "--history", "--format", "json"]));
    let refs = j["findings"][0]["refs"].as_array().unwrap();
    assert_eq!(refs.len(), 50_002, "full list in JSON");
    assert_no_secret(&run, &[&key]);
}

/// Provenance handles more secrets than fit one 64-bit word: 70 keys in 70 files, added over
/// two commits, each with its own first commit, and the ones deleted later not in HEAD.
#[test]
fn seventy_secrets_each_get_their_own_first_commit() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let mut f = Fakes::new(156);
    let keys: Vec<String> = (0..70).map(|_| f.github()).collect();
    for (i, k) in keys.iter().enumerate().take(40) {
        write(
            d,
            &format!("a/k{i:02}.py"),
            &format!("# FAKE key for a test\nT = \"{k}\"\n"),
        );
    }
    let first = commit_all(d, "first forty", 1_700_000_000);
    for (i, k) in keys.iter().enumerate().skip(40) {
        write(
            d,
            &format!("b/k{i:02}.py"),
            &format!("# FAKE key for a test\nT = \"{k}\"\n"),
        );
    }
    let second = commit_all(d, "thirty more", 1_700_000_100);
    git(d, &["rm", "-q", "a/k00.py", "b/k69.py"]);
    commit_all(d, "drop two", 1_700_000_200);
    let j = json(&keywarden(d, &["scan", "--history", "--format", "json"]));
    let found = j["findings"].as_array().unwrap();
    assert_eq!(found.len(), 70);
    for x in found {
        let path = x["path"].as_str().unwrap();
        let want = if path.starts_with("a/") {
            &first
        } else {
            &second
        };
        assert_eq!(x["commit"].as_str(), Some(want.as_str()), "{path}");
        let gone = path == "a/k00.py" || path == "b/k69.py";
        assert_eq!(x["in_head"].as_bool(), Some(!gone), "{path}");
    }
}

#[test]
fn a_small_revision_stored_as_a_delta_of_an_oversized_one_is_still_scanned() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let mut f = Fakes::new(151);
    let (old, new) = (f.stripe_live(), f.github());
    // 140 KB of ordinary lines, the first revision's key at the end; the second revision keeps
    // 100 KB of them (git deltifies only against a base less than ~30x bigger).
    let filler: String = (0..4000)
        .map(|i| format!("row {i:05} of an ordinary data file\n"))
        .collect();
    write(
        d,
        "data.txt",
        &format!("{filler}# FAKE key\nOLD = \"{old}\"\n"),
    );
    commit_all(d, "big", 1_700_000_000);
    write(
        d,
        "data.txt",
        &format!("{}# FAKE key\nNEW = \"{new}\"\n", &filler[..100_000]),
    );
    commit_all(d, "small", 1_700_000_100);
    git(d, &["repack", "-adf", "-q", "--window=10", "--depth=10"]);
    let ids = git(d, &["rev-parse", "HEAD~1:data.txt", "HEAD:data.txt"]);
    let ids: Vec<&str> = ids.lines().collect();
    let line = delta_bases(d, &ids[1..]);
    assert!(
        line.trim().ends_with(ids[0]),
        "the small revision is a delta of the big one (what this test is about): {line}"
    );
    let run = keywarden(
        d,
        &[
            "scan",
            "--history",
            "--max-file-size",
            "120KiB",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("data.txt") && run.stderr.contains("max-file-size"),
        "the big revision is skipped by size: {}",
        run.stderr
    );
    let j = json(&run);
    let rules: Vec<&str> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["github-token"], "{}", run.all());
}

#[test]
fn a_missing_commit_in_the_middle_of_history_is_an_error_that_names_it() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    // Two branches, so the parallel commit walk has work for more than one thread.
    for i in 0..6 {
        write(d, "n.txt", &format!("{i}\n"));
        commit_all(d, &format!("main {i}"), 1_700_000_000 + i);
    }
    git(d, &["checkout", "-q", "-b", "side", "HEAD~3"]);
    for i in 0..6 {
        write(d, "s.txt", &format!("{i}\n"));
        commit_all(d, &format!("side {i}"), 1_700_001_000 + i);
    }
    let gone = git(d, &["rev-parse", "side~2"]);
    std::fs::remove_file(d.join(format!(".git/objects/{}/{}", &gone[..2], &gone[2..]))).unwrap();
    let run = keywarden(d, &["scan", "--history"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains(&gone), "{}", run.stderr);
}

/// A packed history is read along the pack's delta trees, each delta built from the bytes of
/// its base read before it: the findings are those of the same history read object by object
/// (loose objects), including keys added in one revision and moved or removed in later ones,
/// and a second path whose blobs are deltas of the first's.
#[test]
fn a_packed_history_read_along_its_delta_chains_finds_what_loose_objects_give() {
    let dir = tempdir();
    let d = dir.path();
    init_repo(d);
    let mut f = Fakes::new(152);
    let keys = [
        f.stripe_live(),
        f.github(),
        f.openai_project(),
        f.anthropic(),
    ];
    let mut lines: Vec<String> = (0..1500)
        .map(|i| format!("setting_{i:04} = {}  # an ordinary line", i * 7))
        .collect();
    for rev in 0..30usize {
        // An edit somewhere new in every revision, and keys coming and going.
        let at = (rev * 389) % lines.len();
        lines.insert(at, format!("edited_{rev} = True"));
        match rev {
            4 | 11 | 19 | 23 => {
                let k = &keys[[4, 11, 19, 23].iter().position(|&r| r == rev).unwrap()];
                lines.insert(
                    at + 1,
                    format!("KEY_{rev} = \"{k}\"  # FAKE key for a test"),
                );
            }
            15 => {
                let gone = lines.iter().position(|l| l.starts_with("KEY_4 ")).unwrap();
                let moved = lines.remove(gone);
                lines.insert(5, moved);
            }
            27 => lines.retain(|l| !l.starts_with("KEY_11 ")),
            _ => {}
        }
        write(d, "app/settings.py", &(lines.join("\n") + "\n"));
        if rev % 3 == 0 {
            write(d, "copy/settings.py", &(lines.join("\n") + "\n# copy\n"));
        }
        commit_all(d, &format!("rev {rev}"), 1_700_000_000 + rev as i64 * 60);
    }
    let args = ["scan", "--history", "--format", "json", "--stats"];
    let loose = keywarden(d, &args);
    assert_eq!(loose.code, 1, "{}", loose.all());
    git(d, &["repack", "-adf", "-q", "--window=50", "--depth=50"]);
    let packed = keywarden(d, &args);
    assert_eq!(packed.code, 1, "{}", packed.all());
    // On one thread every blob is read right after its base (on two, a blob whose base the
    // other thread read is resolved down its chain instead): each delta is built from it.
    let one: Run = std::process::Command::new(bin())
        .args(args)
        .current_dir(d)
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .unwrap()
        .into();
    let built: usize = one
        .stderr
        .split(" blob(s) built from their delta base")
        .next()
        .and_then(|before| before.rsplit(", ").next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    let listed = git(d, &["rev-list", "--objects", "--all"]);
    let blobs: Vec<&str> = listed
        .lines()
        .filter(|l| l.contains("settings.py"))
        .map(|l| &l[..40])
        .collect();
    let bases = delta_bases(d, &blobs);
    let deltas = bases
        .lines()
        .filter(|l| !l.ends_with("0000000000000000000000000000000000000000"))
        .count();
    assert!(deltas >= 30, "git stores most revisions as deltas: {bases}");
    assert_eq!(built, deltas, "{}", one.stderr);
    assert_eq!(json(&one)["findings"], json(&packed)["findings"]);
    let (lj, pj) = (json(&loose), json(&packed));
    assert_eq!(lj["findings"], pj["findings"]);
    let found: Vec<&str> = pj["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        found.iter().filter(|p| **p == "app/settings.py").count(),
        keys.len(),
        "{found:?}"
    );
    // The copy holds the same keys: another location of each finding.
    assert!(
        pj["findings"].to_string().contains("copy/settings.py"),
        "{}",
        pj["findings"]
    );
}
