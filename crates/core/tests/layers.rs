//! The core's architecture, checked: which module may use which. Read from the source
//! (every `crate::…` path in each file), so a circle or a layer crossing fails here the
//! moment it is written.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Modules with no rule and no store: they may use only each other.
const LEAVES: &[&str] = &[
    "avatar",
    "clock",
    "crypto",
    "error",
    "ids",
    "keyfile",
    "keyformat",
    "log",
    "model",
    "password",
    "permissions",
    "secret",
    "validate",
];

/// The storage layer, and what may sit directly on it.
const STORE: &str = "store";
const SESSION_AND_AUDIT: &[&str] = &["session", "audit", "throttle"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file belongs to (`store/sqlite/mod.rs` → `store`).
fn module_of(file: &Path) -> String {
    let rel = file.strip_prefix(src()).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

/// Top-level modules named by `crate::x` in `text`, outside comments; `use crate::{a, b}`
/// counts each.
fn uses(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or("");
                for part in inner.split(',') {
                    let name: String = part
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        out.insert(name);
                    }
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.insert(name);
            }
        }
    }
    out
}

/// Module → the modules it uses (items of the crate root, such as `Latchkey`, `Error`
/// re-exported at the root, count as what they are).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let root_items: BTreeMap<&str, &str> = [
        ("Error", "error"),
        ("Result", "error"),
        ("Code", "error"),
        ("AccountId", "ids"),
        ("GroupId", "ids"),
        ("KeyId", "ids"),
        ("Password", "secret"),
        ("ApiKeySecret", "secret"),
        // The engine itself: every rule module extends it, none is its owner.
        ("Latchkey", ""),
    ]
    .into_iter()
    .collect();
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let m = module_of(&f);
        if m == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        // Tests inside a module may use what they like.
        let text = text.split("#[cfg(test)]").next().unwrap_or("");
        let entry = g.entry(m.clone()).or_default();
        for u in uses(text) {
            let target = root_items.get(u.as_str()).copied().unwrap_or(u.as_str());
            if !target.is_empty() && target != m {
                entry.insert(target.to_owned());
            }
        }
    }
    g
}

fn find_cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == n) {
            let mut c = path[at..].to_vec();
            c.push(n.to_owned());
            return Some(c);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_owned());
        for next in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(next, g, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for n in g.keys() {
        if let Some(c) = visit(n, g, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

#[test]
fn no_module_of_the_core_depends_on_itself_through_others() {
    let g = graph();
    assert!(g.len() > 20, "the source was not read: {g:?}");
    if let Some(c) = find_cycle(&g) {
        panic!(
            "the core's modules depend on each other in a circle: {}",
            c.join(" → ")
        );
    }
}

#[test]
fn each_layer_uses_only_the_layers_beneath_it() {
    let g = graph();
    let leaves: BTreeSet<&str> = LEAVES.iter().copied().collect();
    for (m, used) in &g {
        let allowed = |u: &str| -> bool {
            if leaves.contains(m.as_str()) || m == STORE {
                leaves.contains(u)
            } else if SESSION_AND_AUDIT.contains(&m.as_str()) {
                leaves.contains(u) || u == STORE || SESSION_AND_AUDIT.contains(&u)
            } else {
                true
            }
        };
        let wrong: Vec<&String> = used.iter().filter(|u| !allowed(u)).collect();
        assert!(wrong.is_empty(), "{m} must not use {wrong:?}");
    }
}

#[test]
fn only_the_storage_layer_names_the_database_or_writes_sql() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let sql = [
        "SELECT ",
        "INSERT INTO",
        "UPDATE ",
        "DELETE FROM",
        "CREATE TABLE",
    ];
    for f in files {
        if module_of(&f) == STORE {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        let text = text.split("#[cfg(test)]").next().unwrap_or("");
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            assert!(
                !code.contains("rusqlite") && !code.contains("postgres::"),
                "{}:{} names a database driver",
                f.display(),
                i + 1
            );
            for kw in sql {
                assert!(
                    !(code.contains('"') && code.contains(kw)),
                    "{}:{} holds SQL: {line}",
                    f.display(),
                    i + 1
                );
            }
        }
    }
}

#[test]
fn the_reader_finds_uses() {
    let u = uses("use crate::store::{self, Tx};\nuse crate::{crypto, Error};\nlet x = crate::clock::now(); // crate::ignored");
    let want: BTreeSet<String> = ["store", "crypto", "Error", "clock"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(u, want);
}
