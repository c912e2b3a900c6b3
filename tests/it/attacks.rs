//! Regression tests for issue #25: each reproduces an attack a red team made on the release
//! build (a hostile pull request or a hostile repository) against the real binary, and pins
//! that it now holds. Every key here is a FAKE generated at test time in the real shape.

use crate::util::fakes::Fakes;
use crate::util::*;

/// A repository with one commit tagged `base`, holding `files`.
fn repo_with_base(files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempdir();
    let d = tmp.path();
    init_repo(d);
    write(d, "README.md", "# demo\n");
    for (rel, text) in files {
        write(d, rel, text);
    }
    commit_all(d, "base", 1_700_000_000);
    git(d, &["tag", "base"]);
    tmp
}

fn paths_of(run: &Run) -> Vec<String> {
    let mut p: Vec<String> = findings(run).into_iter().map(|(_, p, _)| p).collect();
    p.sort();
    p.dedup();
    p
}

/// Hole 1: content first seen at an excluded path, then moved to a scanned one, was never
/// judged at the new path (range and history); a copy of a file was listed only at the first.
#[test]
fn hole_01_a_key_moved_out_of_an_excluded_path_is_judged_at_its_new_path() {
    let key = Fakes::new(2501).stripe_live();
    let tmp = repo_with_base(&[(".keywarden.yaml", "allow:\n  paths: ['vendor/**']\n")]);
    let d = tmp.path();
    write(d, "vendor/c.py", &format!("K = \"{key}\"\n"));
    commit_all(d, "1", 1_700_000_100);
    std::fs::create_dir_all(d.join("src")).unwrap();
    git(d, &["mv", "vendor/c.py", "src/c.py"]);
    commit_all(d, "2", 1_700_000_200);
    for args in [
        &["scan", "--range", "base..HEAD", "--format", "json"][..],
        &["scan", "--history", "--format", "json"][..],
        &["scan", ".", "--format", "json"][..],
    ] {
        let run = keywarden(d, args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.all());
        assert_eq!(paths_of(&run), vec!["src/c.py"], "{args:?}");
        assert_no_secret(&run, &[&key]);
    }
}

#[test]
fn hole_01_a_directory_moved_out_of_an_excluded_path_is_judged_there() {
    let key = Fakes::new(2502).stripe_live();
    let tmp = repo_with_base(&[
        (".keywarden.yaml", "allow:\n  paths: ['vendor/**']\n"),
        ("vendor/lib/c.py", &format!("K = \"{key}\"\n")),
        ("vendor/lib/d.py", "print(1)\n"),
    ]);
    let d = tmp.path();
    // The same tree, at a new place: no tree object changes below `src/`.
    git(d, &["mv", "vendor", "src"]);
    commit_all(d, "move", 1_700_000_100);
    let run = keywarden(d, &["scan", "--range", "base..HEAD", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(paths_of(&run), vec!["src/lib/c.py"]);
    let run = keywarden(d, &["scan", "--history", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(paths_of(&run), vec!["src/lib/c.py"]);
}

#[test]
fn hole_01_identical_files_are_each_reported_in_range_and_history() {
    let key = Fakes::new(2503).stripe_live();
    let tmp = repo_with_base(&[]);
    let d = tmp.path();
    let text = format!("K = \"{key}\"\n");
    write(d, "a.py", &text);
    write(d, "b.py", &text);
    write(d, "deep/er/c.py", &text);
    commit_all(d, "two copies", 1_700_000_100);
    let want = vec!["a.py", "b.py", "deep/er/c.py"];
    for args in [
        &["scan", "--range", "base..HEAD", "--format", "json"][..],
        &["scan", "--history", "--format", "json"][..],
        &["scan", ".", "--format", "json"][..],
    ] {
        let run = keywarden(d, args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.all());
        assert_eq!(paths_of(&run), want, "{args:?}");
    }
    // SARIF writes one result per place, so each file gets its annotation.
    let run = keywarden(d, &["scan", "--range", "base..HEAD", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 3);
}

#[test]
fn hole_01_content_the_base_had_elsewhere_is_new_at_a_new_path() {
    let key = Fakes::new(2504).stripe_live();
    let text = format!("K = \"{key}\"\n");
    let tmp = repo_with_base(&[("legacy/old.py", &text)]);
    let d = tmp.path();
    write(d, "app/new.py", &text);
    commit_all(d, "copy the old file", 1_700_000_100);
    let run = keywarden(d, &["scan", "--range", "base..HEAD", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(
        paths_of(&run),
        vec!["app/new.py"],
        "the base's own path is not new"
    );
}

#[test]
fn hole_01_a_copy_at_a_path_of_another_kind_is_judged_by_that_paths_rules() {
    // `.env` is judged by the file rules (a committed .env) that `notes.txt` is not: the
    // same blob at both is matched at each kind of path.
    let key = Fakes::new(2505).stripe_live();
    let tmp = repo_with_base(&[]);
    let d = tmp.path();
    let text = format!("STRIPE_KEY={key}\n");
    write(d, "notes.txt", &text);
    write(d, "deploy/.env", &text);
    commit_all(d, "env", 1_700_000_100);
    let run = keywarden(d, &["scan", "--range", "base..HEAD", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let rules_at_env: Vec<String> = findings(&run)
        .into_iter()
        .filter(|(_, p, _)| p == "deploy/.env")
        .map(|(r, _, _)| r)
        .collect();
    let tree = keywarden(d, &["scan", ".", "--format", "json"]);
    let mut tree_rules: Vec<String> = findings(&tree)
        .into_iter()
        .filter(|(_, p, _)| p == "deploy/.env")
        .map(|(r, _, _)| r)
        .collect();
    let mut range_rules = rules_at_env.clone();
    tree_rules.sort();
    range_rules.sort();
    assert!(range_rules.len() >= 2, "{range_rules:?}");
    assert_eq!(range_rules, tree_rules);
}

/// Hole 2: `--config` named a path the pull request had turned into a symlink; it was
/// followed before the base was read, so the pull request chose the config.
#[test]
fn hole_02_a_symlinked_config_in_the_range_cannot_replace_the_bases() {
    let key = Fakes::new(2521).stripe_live();
    let tmp = repo_with_base(&[
        ("ci/kw.yaml", "allow:\n  paths: ['vendor/**']\n"),
        ("docs/lenient.yaml", "packs: {stripe: false}\n"),
    ]);
    let d = tmp.path();
    std::fs::remove_file(d.join("ci/kw.yaml")).unwrap();
    std::os::unix::fs::symlink("../docs/lenient.yaml", d.join("ci/kw.yaml")).unwrap();
    write(d, "c.py", &format!("K = \"{key}\"\n"));
    commit_all(d, "pr", 1_700_000_100);
    let run = keywarden(
        d,
        &[
            "scan",
            "--range",
            "base..HEAD",
            "--config",
            "ci/kw.yaml",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 1, "the base's config applies: {}", run.all());
    assert_eq!(paths_of(&run), vec!["c.py"]);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    // Through a linked directory too: the path is taken by its words.
    std::fs::create_dir_all(d.join("alt")).unwrap();
    std::os::unix::fs::symlink("../docs", d.join("alt/ci")).unwrap();
    let run = keywarden(
        d,
        &[
            "scan",
            "--range",
            "base..HEAD",
            "--config",
            "./ci/../ci/kw.yaml",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.all());
}

#[test]
fn hole_02_a_config_that_is_a_link_at_the_base_is_an_error_naming_it() {
    let tmp = repo_with_base(&[("real.yaml", "packs: {stripe: false}\n")]);
    let d = tmp.path();
    std::os::unix::fs::symlink("real.yaml", d.join("kw.yaml")).unwrap();
    commit_all(d, "link", 1_700_000_050);
    git(d, &["tag", "-f", "base"]);
    write(d, "x.txt", "x\n");
    commit_all(d, "pr", 1_700_000_100);
    let run = keywarden(d, &["scan", "--range", "base..HEAD", "--config", "kw.yaml"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("kw.yaml at"), "{}", run.stderr);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
}

#[test]
fn hole_02_settings_files_from_outside_are_bounded_and_regular() {
    let tmp = repo_with_base(&[]);
    let d = tmp.path();
    for (flag, what) in [("--config", "config"), ("--baseline", "baseline")] {
        let run = keywarden(d, &["scan", ".", flag, "/dev/zero"]);
        assert_eq!(run.code, 2, "{}", run.all());
        assert!(
            run.stderr.contains("/dev/zero") && run.stderr.contains("not a regular file"),
            "{what}: {}",
            run.stderr
        );
    }
    let big = d.join("../big.yaml");
    std::fs::write(&big, vec![b'#'; 17 << 20]).unwrap();
    let run = keywarden(d, &["scan", ".", "--config", big.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("over 16 MiB"), "{}", run.stderr);
    std::fs::remove_file(big).unwrap();
}

/// Hole 3: a CR or LF in an author, a path or a line reached the job log raw (a workflow
/// command injected, `stop-commands` swallowing the annotations), and a backtick in a path
/// broke out of the markdown summary's code span.
#[test]
fn hole_03_hostile_names_cannot_inject_workflow_commands_or_markdown() {
    let key = Fakes::new(2531).stripe_live();
    let tmp = repo_with_base(&[]);
    let d = tmp.path();
    let evil_path = "a\n::error::Approved\n.py";
    let md_path = "b`<img src=x onerror=alert(1)>`[x](javascript:evil).py";
    write(d, evil_path, &format!("K = \"{key}\"\n"));
    write(d, md_path, &format!("K = \"{key}\"\n"));
    git(d, &["add", "-A"]);
    let out = std::process::Command::new("git")
        .args(["commit", "-q", "-m", "pr"])
        .current_dir(d)
        .env("GIT_AUTHOR_NAME", "dev\r::stop-commands::x1")
        .env("GIT_AUTHOR_EMAIL", "dev@example.com")
        .env("HOME", d)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    for args in [
        &["scan", "--range", "base..HEAD"][..],
        &["scan", "--history"][..],
        &["scan", "."][..],
    ] {
        let run = keywarden(d, args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.all());
        assert!(
            !run.stdout.contains('\r'),
            "{args:?}: a raw CR: {:?}",
            run.stdout
        );
        for line in run.stdout.lines() {
            assert!(!line.starts_with("::"), "{args:?}: injected: {line:?}");
        }
        assert!(
            run.stdout.contains("a\\n::error::Approved\\n.py"),
            "{}",
            run.stdout
        );
    }
    let run = keywarden(d, &["scan", "--history"]);
    assert!(
        run.stdout.contains("dev\\r::stop-commands::x1"),
        "{}",
        run.stdout
    );

    let run = keywarden(d, &["scan", "--range", "base..HEAD", "--format", "github"]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    for line in &lines {
        assert!(line.starts_with("::error file="), "{line:?}");
    }
    assert!(
        run.stdout
            .contains("file=a%0A%3A%3Aerror%3A%3AApproved%0A.py"),
        "{}",
        run.stdout
    );

    let run = keywarden(
        d,
        &["scan", "--range", "base..HEAD", "--format", "markdown"],
    );
    assert!(
        run.stdout
            .contains("``b`<img src=x onerror=alert(1)>`[x](javascript:evil).py:1``"),
        "the path is one code span: {}",
        run.stdout
    );
    assert_no_secret(&run, &[&key]);
}

#[test]
fn hole_03_a_shell_command_in_a_checklist_quotes_the_path() {
    let tmp = repo_with_base(&[]);
    let d = tmp.path();
    write(d, "x;touch pwned;.env", "API_TOKEN=not-a-real-value-0000\n");
    commit_all(d, "env", 1_700_000_100);
    let run = keywarden(d, &["scan", "--history"]);
    assert!(
        run.stdout.contains("--path 'x;touch pwned;.env'"),
        "{}",
        run.stdout
    );
}

/// Peak memory of the run in MiB, from `--stats` (the binary reads its own VmHWM).
fn peak_mib(run: &Run) -> u64 {
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("peak memory (VmHWM)"))
        .unwrap_or_else(|| panic!("no peak memory line: {}", run.stderr));
    let kib: u64 = line
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .expect("a number of kB");
    kib / 1024
}

/// A zip whose central directory lists `entries` entries, all pointing at one stored member
/// holding `member`: a small file that claims `entries` times the member's size.
fn zip_bomb(member: &[u8], entries: usize) -> Vec<u8> {
    let le16 = |n: usize| (n as u16).to_le_bytes();
    let le32 = |n: usize| (n as u32).to_le_bytes();
    let mut d = b"PK\x03\x04".to_vec();
    d.extend_from_slice(&[0u8; 22]);
    d.extend_from_slice(&le16(1));
    d.extend_from_slice(&le16(0));
    d.push(b'm');
    d.extend_from_slice(member);
    let cd = d.len();
    for i in 0..entries {
        let name = format!("copy{i}.env");
        d.extend_from_slice(b"PK\x01\x02");
        d.extend_from_slice(&[0u8; 6]);
        d.extend_from_slice(&le16(0));
        d.extend_from_slice(&[0u8; 8]);
        d.extend_from_slice(&le32(member.len()));
        d.extend_from_slice(&le32(member.len()));
        d.extend_from_slice(&le16(name.len()));
        d.extend_from_slice(&[0u8; 12]);
        d.extend_from_slice(&le32(0));
        d.extend_from_slice(name.as_bytes());
    }
    let cd_len = d.len() - cd;
    d.extend_from_slice(b"PK\x05\x06");
    d.extend_from_slice(&[0u8; 6]);
    d.extend_from_slice(&le16(entries));
    d.extend_from_slice(&le32(cd_len));
    d.extend_from_slice(&le32(cd));
    d.extend_from_slice(&le16(0));
    d
}

/// Hole 4: 2,000 central-directory entries pointing at one 16 MiB member took gigabytes.
#[test]
fn hole_04_a_zip_bomb_is_read_once_in_bounded_memory_and_said() {
    let key = Fakes::new(2541).stripe_live();
    let mut member = format!("STRIPE_KEY={key}\n").into_bytes();
    member.resize(16 << 20, b'#');
    let tmp = repo_with_base(&[]);
    let d = tmp.path();
    std::fs::write(d.join("bomb.zip"), zip_bomb(&member, 2000)).unwrap();
    commit_all(d, "bomb", 1_700_000_100);
    for args in [
        &["scan", ".", "--format", "json", "--stats"][..],
        &["scan", "--history", "--format", "json", "--stats"][..],
    ] {
        let run = keywarden(d, args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert_eq!(paths_of(&run), vec!["bomb.zip!copy0.env"], "{args:?}");
        assert!(
            run.stderr
                .contains("1999 archive member(s) repeating or overlapping"),
            "{}",
            run.stderr
        );
        assert_eq!(json(&run)["summary"]["not_fully_decoded"], 1);
        let peak = peak_mib(&run);
        assert!(peak < 400, "{args:?}: peak {peak} MiB");
    }
}

/// Hole 5: one NUL byte made a file binary, and a binary file was never read; UTF-16 and
/// UTF-32 without a byte-order mark too.
#[test]
fn hole_05_a_nul_byte_or_a_wide_encoding_does_not_hide_a_key() {
    let key = Fakes::new(2551).stripe_live();
    let tmp = repo_with_base(&[]);
    let d = tmp.path();
    let text = format!("K=\"{key}\"\n");
    std::fs::write(d.join("nul.py"), format!("\0\n{text}")).unwrap();
    let le16: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    let be32: Vec<u8> = text
        .chars()
        .flat_map(|c| (c as u32).to_be_bytes())
        .collect();
    std::fs::write(d.join("wide16.txt"), le16).unwrap();
    std::fs::write(d.join("wide32.txt"), be32).unwrap();
    let mut exe = vec![0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0];
    exe.extend_from_slice(&[0u8; 300]);
    exe.extend_from_slice(key.as_bytes());
    exe.extend_from_slice(&[0u8, 1, 2, 3]);
    std::fs::write(d.join("app.bin"), exe).unwrap();
    commit_all(d, "hidden", 1_700_000_100);
    let want = vec!["app.bin", "nul.py", "wide16.txt", "wide32.txt"];
    for args in [
        &["scan", "--range", "base..HEAD", "--format", "json"][..],
        &["scan", "--history", "--format", "json"][..],
        &["scan", ".", "--format", "json"][..],
    ] {
        let run = keywarden(d, args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.all());
        assert_eq!(paths_of(&run), want, "{args:?}");
        assert_eq!(json(&run)["summary"]["binary"], 2, "{args:?}");
    }
    // Generic rules stay off in binary files: a password-like assignment is not judged there.
    std::fs::write(
        d.join("gen.bin"),
        b"\0\0\0password = \"Zq8#vL2!mW9$rT4x\"\n\0",
    )
    .unwrap();
    let run = keywarden(d, &["scan", "gen.bin", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.all());
}

/// Hole 12: a key past 16 MiB in a gzip member, a member past the 64 MiB budget and base64
/// nested past the depth limit were dropped silently.
#[test]
fn hole_12_what_a_decode_limit_cuts_is_found_or_counted_and_named() {
    use std::io::Write;
    let key = Fakes::new(2561).stripe_live();
    let tmp = repo_with_base(&[]);
    let d = tmp.path();
    let gz = |data: &[u8]| {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    };
    // Past 16 MiB, inside the 64 MiB budget: found.
    let mut deep = vec![b'#'; 20 << 20];
    deep.extend_from_slice(format!("\nK={key}\n").as_bytes());
    std::fs::write(d.join("dump.sql.gz"), gz(&deep)).unwrap();
    // Past the budget: not read, but said and counted.
    let mut huge = vec![b'#'; 70 << 20];
    huge.extend_from_slice(format!("\nK={key}\n").as_bytes());
    std::fs::write(d.join("huge.sql.gz"), gz(&huge)).unwrap();
    // base64 of base64 … six levels: past the depth limit.
    let mut nested = format!("K={key}\n");
    for _ in 0..6 {
        nested = format!("v = \"{}\"\n", b64(nested.as_bytes()));
    }
    std::fs::write(d.join("nested.txt"), &nested).unwrap();
    commit_all(d, "limits", 1_700_000_100);
    let run = keywarden(d, &["scan", ".", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(paths_of(&run), vec!["dump.sql.gz"]);
    assert_eq!(
        json(&run)["summary"]["not_fully_decoded"],
        2,
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("huge.sql.gz: not decoded in full: 1 block(s) not read in full, past the decode budget (gzip)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "nested.txt: not decoded in full: 1 encoded block(s) nested past the depth limit"
        ),
        "{}",
        run.stderr
    );
    let text = keywarden(d, &["scan", "."]);
    assert!(
        text.stdout.contains("2 not decoded in full"),
        "{}",
        text.stdout
    );
}

fn b64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A pack holding `objects` (id, type, header size, data to deflate) with an index beside it,
/// written by hand: git's own tools refuse to write a hostile pack. `type` 3 is a blob, 6 an
/// offset delta whose base is the object before it.
fn write_pack(git_dir: &std::path::Path, objects: &[(&str, u8, u64, Vec<u8>)]) {
    use std::io::Write;
    let mut pack = b"PACK".to_vec();
    pack.extend_from_slice(&2u32.to_be_bytes());
    pack.extend_from_slice(&(objects.len() as u32).to_be_bytes());
    let mut entries: Vec<(Vec<u8>, u32, u32)> = Vec::new();
    let mut prev_offset = 0usize;
    for (id, kind, size, data) in objects {
        let offset = pack.len();
        let start = pack.len();
        let mut size = *size;
        let mut byte = (kind << 4) | (size & 15) as u8;
        size >>= 4;
        while size > 0 {
            pack.push(byte | 0x80);
            byte = (size & 0x7f) as u8;
            size >>= 7;
        }
        pack.push(byte);
        if *kind == 6 {
            let mut off = offset - prev_offset;
            let mut bytes = vec![(off & 0x7f) as u8];
            off >>= 7;
            while off > 0 {
                off -= 1;
                bytes.push(0x80 | (off & 0x7f) as u8);
                off >>= 7;
            }
            bytes.reverse();
            pack.extend_from_slice(&bytes);
        }
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(data).unwrap();
        pack.extend_from_slice(&z.finish().unwrap());
        let raw_id: Vec<u8> = (0..20)
            .map(|i| u8::from_str_radix(&id[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        entries.push((
            raw_id,
            crate::util::fakes::crc32(&pack[start..]),
            offset as u32,
        ));
        prev_offset = offset;
    }
    let sha1 = |data: &[u8]| -> Vec<u8> {
        let mut child = std::process::Command::new("sha1sum")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(data).unwrap();
        let out = child.wait_with_output().unwrap();
        let hex = String::from_utf8_lossy(&out.stdout);
        (0..20)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    };
    let pack_sum = sha1(&pack);
    pack.extend_from_slice(&pack_sum);
    entries.sort();
    let mut idx = vec![0xff, b't', b'O', b'c', 0, 0, 0, 2];
    for b in 0..=255u8 {
        let n = entries.iter().filter(|e| e.0[0] <= b).count() as u32;
        idx.extend_from_slice(&n.to_be_bytes());
    }
    for e in &entries {
        idx.extend_from_slice(&e.0);
    }
    for e in &entries {
        idx.extend_from_slice(&e.1.to_be_bytes());
    }
    for e in &entries {
        idx.extend_from_slice(&e.2.to_be_bytes());
    }
    idx.extend_from_slice(&pack_sum);
    let idx_sum = sha1(&idx);
    idx.extend_from_slice(&idx_sum);
    let name = pack_sum
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    let dir = git_dir.join("objects/pack");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("pack-{name}.pack")), pack).unwrap();
    std::fs::write(dir.join(format!("pack-{name}.idx")), idx).unwrap();
}

/// A git delta: base size, result size, then one insert of `insert`.
fn delta(base: u64, result: u64, insert: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for mut v in [base, result] {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                break;
            }
            out.push(b | 0x80);
        }
    }
    out.push(insert.len() as u8);
    out.extend_from_slice(insert);
    out
}

/// Hole 9: a delta whose header claims 2^62 or 2^63 bytes aborted the process.
#[test]
fn hole_09_absurd_size_claims_in_a_pack_are_an_error_naming_the_object() {
    for (case, claim) in [
        ("2^62", 1u64 << 62),
        ("2^63", 1u64 << 63),
        ("2^64-1", u64::MAX),
    ] {
        let tmp = tempdir();
        let d = tmp.path();
        init_repo(d);
        let base_text = b"print('hello')\n".to_vec();
        let base_id = {
            let out = std::process::Command::new("git")
                .args(["hash-object", "--stdin"])
                .current_dir(d)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            use std::io::Write;
            let mut out = out;
            out.stdin.take().unwrap().write_all(&base_text).unwrap();
            String::from_utf8(out.wait_with_output().unwrap().stdout)
                .unwrap()
                .trim()
                .to_string()
        };
        let evil = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
        let whole = "cccccccccccccccccccccccccccccccccccccccc";
        let d_evil = delta(base_text.len() as u64, claim, b"x");
        let on_top = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";
        let d_on_top = delta(claim, 6, b"small\n");
        write_pack(
            &d.join(".git"),
            &[
                (&base_id, 3, base_text.len() as u64, base_text.clone()),
                // A delta whose result claims the absurd size.
                (evil, 6, d_evil.len() as u64, d_evil),
                // A small blob built on top of it: the absurd one is a base on the way.
                (on_top, 6, d_on_top.len() as u64, d_on_top),
                // A whole blob whose header claims it.
                (whole, 3, claim, b"tiny".to_vec()),
            ],
        );
        let tree = {
            let mut child = std::process::Command::new("git")
                .args(["mktree", "--missing"])
                .current_dir(d)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(
                    format!(
                        "100644 blob {base_id}\ta.py\n100644 blob {evil}\tb.py\n100644 blob {whole}\tc.py\n100644 blob {on_top}\td.py\n"
                    )
                    .as_bytes(),
                )
                .unwrap();
            String::from_utf8(child.wait_with_output().unwrap().stdout)
                .unwrap()
                .trim()
                .to_string()
        };
        let commit = git(d, &["commit-tree", &tree, "-m", "hostile"]);
        git(d, &["update-ref", "refs/heads/main", &commit]);
        let run = keywarden(d, &["scan", "--history"]);
        assert_eq!(run.code, 2, "{case}: {}", run.all());
        assert!(
            run.stderr.contains(whole),
            "{case}: names the object: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains(evil),
            "{case}: names the object: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains(on_top),
            "{case}: names the object: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("panicked"), "{case}: {}", run.stderr);
    }
}

/// Hole 9: a tree 4,000 levels deep overflowed the stack.
#[test]
fn hole_09_a_tree_thousands_of_levels_deep_is_walked_without_recursion() {
    let key = Fakes::new(2591).stripe_live();
    let tmp = repo_with_base(&[]);
    let d = tmp.path();
    let deep: Vec<&str> = std::iter::repeat_n("a", 4000).collect();
    let path = format!("{}/k.py", deep.join("/"));
    let content = format!("K = \"{key}\"\n");
    let stream = format!(
        "commit refs/heads/main\ncommitter T <t@example.com> 1700000100 +0000\ndata 4\ndeep\nfrom refs/heads/main^0\nM 100644 inline {path}\ndata {}\n{content}\n",
        content.len()
    );
    let mut child = std::process::Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(d)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stream.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    for args in [
        &["scan", "--history", "--format", "json"][..],
        &["scan", "--range", "base..main", "--format", "json"][..],
    ] {
        let run = keywarden(d, args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert_eq!(paths_of(&run), vec![path.clone()], "{args:?}");
    }
    // (git itself refuses to read such a tree into an index, so `--staged` cannot meet one.)
}

/// Hole 6: `git replace <leaked blob> <clean blob>` made history read the clean one.
#[test]
fn hole_06_a_replace_ref_cannot_hide_a_leaked_blob() {
    let key = Fakes::new(2601).stripe_live();
    let tmp = repo_with_base(&[]);
    let d = tmp.path();
    write(d, "c.py", &format!("K = \"{key}\"\n"));
    commit_all(d, "leak", 1_700_000_100);
    let leaked = git(d, &["rev-parse", "HEAD:c.py"]);
    write(d, "clean.txt", "nothing here\n");
    commit_all(d, "clean", 1_700_000_200);
    let clean = git(d, &["rev-parse", "HEAD:clean.txt"]);
    git(d, &["replace", &leaked, &clean]);
    assert_eq!(
        git(d, &["cat-file", "-p", &leaked]),
        "nothing here",
        "git applies it"
    );
    // A mirror clone carries the replace ref, as a cleanup starts.
    let mirror = tmp.path().join("mirror.git");
    git(
        d,
        &[
            "clone",
            "-q",
            "--mirror",
            d.to_str().unwrap(),
            mirror.to_str().unwrap(),
        ],
    );
    for (dir, args) in [
        (d, &["scan", "--history", "--format", "json"][..]),
        (
            d,
            &["scan", "--history", "--all-objects", "--format", "json"][..],
        ),
        (
            mirror.as_path(),
            &["scan", "--history", "--format", "json"][..],
        ),
        (
            d,
            &["scan", "--range", "base..HEAD", "--format", "json"][..],
        ),
    ] {
        let run = keywarden(dir, args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.all());
        assert_eq!(paths_of(&run), vec!["c.py"], "{args:?}");
    }
    let run = keywarden(d, &["scan", "--history"]);
    assert!(run.stderr.contains("1 replace ref(s)"), "{}", run.stderr);
}

/// Hole 7: a committed `.ignore` holding `*` emptied tree scans, and a tracked file that a
/// `.gitignore` pattern matches was skipped.
#[test]
fn hole_07_tracked_files_are_scanned_whatever_ignore_files_say() {
    let key = Fakes::new(2611).stripe_live();
    let tmp = repo_with_base(&[]);
    let d = tmp.path();
    write(d, "src/c.py", &format!("K = \"{key}\"\n"));
    write(d, "build/gen.py", &format!("K = \"{key}\"\n"));
    write(d, ".gitignore", "build/\n");
    git(d, &["add", "-f", "build/gen.py"]);
    write(d, ".ignore", "*\n");
    commit_all(d, "ignore everything", 1_700_000_100);
    // Untracked files under an ignore rule stay out.
    write(d, "build/untracked.py", &format!("K = \"{key}\"\n"));
    for args in [
        &["scan", ".", "--format", "json"][..],
        &["scan", "src", "--format", "json"][..],
    ] {
        let run = keywarden(d, args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.all());
    }
    let run = keywarden(d, &["scan", ".", "--format", "json"]);
    assert_eq!(paths_of(&run), vec!["build/gen.py", "src/c.py"]);
    let run = keywarden(d, &["scan", "src", "--format", "json"]);
    assert_eq!(paths_of(&run), vec!["src/c.py"]);
}

/// Hole 8: `fix --apply` replaced a `.gitignore` that was not UTF-8 with its own four lines.
#[test]
fn hole_08_fix_appends_to_a_gitignore_it_cannot_decode() {
    let tmp = repo_with_base(&[]);
    let d = tmp.path();
    let original = b"# caf\xe9\nnode_modules/\n".to_vec();
    std::fs::write(d.join(".gitignore"), &original).unwrap();
    write(d, ".env", "API_TOKEN=not-a-real-value-0000\n");
    let run = keywarden(d, &["fix", "--apply"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let now = std::fs::read(d.join(".gitignore")).unwrap();
    assert!(
        now.starts_with(&original),
        "the file's own bytes stay: {now:?}"
    );
    assert!(
        String::from_utf8_lossy(&now).contains("\n.env\n"),
        "{now:?}"
    );
}

/// Hole 10: a key pasted into a config field came back in full in the config error.
#[test]
fn hole_10_config_and_baseline_errors_never_echo_a_value_in_full() {
    let key = Fakes::new(2621).stripe_live();
    let tmp = repo_with_base(&[]);
    let d = tmp.path();
    let configs = [
        (format!("disable: [\"{key}\"]\n"), "field disable"),
        (format!("packs: {{\"{key}\": false}}\n"), "field packs"),
        (format!("allow:\n  paths: ['[{key}']\n"), "paths.exclude"),
        (format!("allow:\n  lines: ['({key}']\n"), "allow.lines"),
        (format!("max_file_size: \"{key}\"\n"), "field max_file_size"),
        (format!("fail_on: \"{key}\"\n"), "line 1"),
        (
            format!(
                "rules:\n  - id: x\n    name: x\n    severity: high\n    keywords: [sk_]\n    pattern: '(?P<secret>{key}'\n"
            ),
            "not a valid pattern",
        ),
    ];
    for (text, says) in &configs {
        write(d, ".keywarden.yaml", text);
        let run = keywarden(d, &["scan", "."]);
        assert_eq!(run.code, 2, "{text}: {}", run.all());
        assert!(
            run.stderr.contains(".keywarden.yaml"),
            "names the file: {}",
            run.stderr
        );
        assert!(run.stderr.contains(says), "{says}: {}", run.stderr);
        assert_no_secret(&run, &[&key, &key[..24]]);
    }
    std::fs::remove_file(d.join(".keywarden.yaml")).unwrap();
    for text in [
        format!("{{\"version\": 1, \"entries\": [{{\"fingerprint\": 5, \"path\": \"{key}\"}}]}}"),
        format!("{{\"version\": \"{key}\", \"entries\": []}}"),
        format!(
            "{{\"version\": 1, \"entries\": [{{\"fingerprint\": \"zz\", \"path\": \"{key}\", \"rule_id\": \"x\"}}]}}"
        ),
    ] {
        write(d, "b.json", &text);
        let run = keywarden(d, &["scan", ".", "--baseline", "b.json"]);
        assert_eq!(run.code, 2, "{text}: {}", run.all());
        assert!(run.stderr.contains("b.json"), "{}", run.stderr);
        assert_no_secret(&run, &[&key, &key[..24]]);
    }
}

/// Hole 11: `--update-baseline` after a partial scan rewrote the baseline with only what that
/// scan saw.
#[test]
fn hole_11_update_baseline_keeps_what_the_scan_could_not_see() {
    let mut f = Fakes::new(2631);
    let (k1, k2) = (f.stripe_live(), f.stripe_live());
    let tmp = repo_with_base(&[
        ("a/one.py", &format!("K = \"{k1}\"\n")),
        ("b/two.py", &format!("K = \"{k2}\"\n")),
    ]);
    let d = tmp.path();
    let run = keywarden(d, &["baseline", "-o", "kw-baseline.json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let entries = |d: &std::path::Path| -> Vec<String> {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(d.join("kw-baseline.json")).unwrap())
                .unwrap();
        let mut p: Vec<String> = v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["path"].as_str().unwrap().to_string())
            .collect();
        p.sort();
        p
    };
    assert_eq!(entries(d), vec!["a/one.py", "b/two.py"]);
    // A scan of one directory updates that directory's entries only.
    std::fs::remove_file(d.join("a/one.py")).unwrap();
    let run = keywarden(
        d,
        &[
            "scan",
            "a",
            "--baseline",
            "kw-baseline.json",
            "--update-baseline",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        entries(d),
        vec!["b/two.py"],
        "a/one.py is gone, b/ untouched"
    );
    // A staged or range scan sees only what changed: refused, the file left alone.
    write(d, "c.py", "x = 1\n");
    git(d, &["add", "c.py"]);
    for args in [
        &[
            "scan",
            "--staged",
            "--baseline",
            "kw-baseline.json",
            "--update-baseline",
        ][..],
        &[
            "scan",
            "--range",
            "base..HEAD",
            "--baseline",
            "kw-baseline.json",
            "--update-baseline",
        ][..],
    ] {
        let run = keywarden(d, args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.all());
        assert!(
            run.stderr
                .contains("--update-baseline needs a scan that sees every file"),
            "{}",
            run.stderr
        );
        assert_eq!(entries(d), vec!["b/two.py"]);
    }
}
