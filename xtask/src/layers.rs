//! `cargo xtask layers`: the module dependency graph of each crate, and a check that it has no cycle.
//!
//! A module depends on another when its code names it: `use crate::a::b`, `crate::a::f()`, `super::x`,
//! `self::x`. Two levels are checked: the crate's top-level modules (`os`, `process`, `run`, ...), and every
//! module (one per file, `#[cfg(test)]` code excluded). A parent naming its own children (`mod x; pub use
//! x::Y;`) is structure, not a dependency, and is not counted. Text scanning, not name resolution: it sees every
//! path written out in full, which is how this workspace writes them (no glob imports between modules).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crates checked, relative to the workspace root.
pub const CRATES: [&str; 6] =
    ["svc-core/src", "svc-macros/src", "svc-config/src", "svc-runtime/src", "svc-cli/src", "src"];

/// A module path inside a crate (`["os", "thread"]`; the crate root is empty).
type ModulePath = Vec<String>;

/// The modules of one crate and what each names.
#[derive(Debug, Default)]
pub struct Graph {
    /// Module -> modules it depends on (children excluded).
    pub edges: BTreeMap<ModulePath, BTreeSet<ModulePath>>,
}

impl Graph {
    /// Reads the crate whose sources are under `src`.
    pub fn of_crate(src: &Path) -> std::io::Result<Graph> {
        let mut files = Vec::new();
        collect(src, &mut files)?;
        let modules: BTreeMap<ModulePath, PathBuf> = files.into_iter().map(|f| (module_path(src, &f), f)).collect();
        let mut graph = Graph::default();
        for (module, file) in &modules {
            let text = std::fs::read_to_string(file)?;
            let mut targets = BTreeSet::new();
            for path in referenced_paths(&without_tests(&text), module) {
                // The longest prefix that is a module of this crate.
                let target = (1..=path.len())
                    .rev()
                    .map(|n| path[..n].to_vec())
                    .find(|prefix| modules.contains_key(prefix))
                    .unwrap_or_default();
                let is_descendant = target.len() > module.len() && target.starts_with(module);
                if target != *module && !is_descendant && !target.is_empty() {
                    targets.insert(target);
                }
            }
            graph.edges.insert(module.clone(), targets);
        }
        Ok(graph)
    }

    /// The same graph between top-level modules only.
    pub fn top_level(&self) -> Graph {
        let mut top = Graph::default();
        for (from, targets) in &self.edges {
            let Some(first) = from.first() else { continue };
            let entry = top.edges.entry(vec![first.clone()]).or_default();
            for target in targets {
                if target.first() != Some(first) {
                    entry.insert(vec![target[0].clone()]);
                }
            }
        }
        top
    }

    /// A cycle, if there is one: the modules around it, the first repeated at the end.
    pub fn cycle(&self) -> Option<Vec<String>> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            Open,
            Done,
        }
        fn visit(
            graph: &Graph,
            node: &ModulePath,
            marks: &mut BTreeMap<ModulePath, Mark>,
            stack: &mut Vec<ModulePath>,
        ) -> Option<Vec<String>> {
            match marks.get(node) {
                Some(Mark::Done) => return None,
                Some(Mark::Open) => {
                    let start = stack.iter().position(|n| n == node).unwrap_or(0);
                    let mut cycle: Vec<String> = stack[start..].iter().map(|n| display(n)).collect();
                    cycle.push(display(node));
                    return Some(cycle);
                }
                None => {}
            }
            marks.insert(node.clone(), Mark::Open);
            stack.push(node.clone());
            for next in graph.edges.get(node).into_iter().flatten() {
                if let Some(cycle) = visit(graph, next, marks, stack) {
                    return Some(cycle);
                }
            }
            stack.pop();
            marks.insert(node.clone(), Mark::Done);
            None
        }
        let mut marks = BTreeMap::new();
        self.edges.keys().find_map(|node| visit(self, node, &mut marks, &mut Vec::new()))
    }

    /// One line per module: `a -> b, c`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (from, targets) in &self.edges {
            let targets: Vec<String> = targets.iter().map(|t| display(t)).collect();
            out.push_str(&format!("  {} -> {}\n", display(from), targets.join(", ")));
        }
        out
    }
}

fn display(module: &[String]) -> String {
    if module.is_empty() { "crate".into() } else { module.join("::") }
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            // A binary's sources (`src/bin`) are crates of their own.
            if path.file_name().is_some_and(|n| n != "bin") {
                collect(&path, files)?;
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    Ok(())
}

/// `src/os/thread.rs` -> `os::thread`; `src/os/mod.rs` -> `os`; `src/lib.rs` -> the root.
fn module_path(src: &Path, file: &Path) -> ModulePath {
    let relative = file.strip_prefix(src).unwrap_or(file).with_extension("");
    let mut parts: ModulePath = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

/// The text without `#[cfg(test)]` items (test code may reach anywhere) and without comments.
fn without_tests(text: &str) -> String {
    let mut out = String::new();
    let mut skipping_from: Option<usize> = None;
    let mut depth = 0usize;
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        if skipping_from.is_none() && line.trim_start().starts_with("#[cfg(test)]") {
            skipping_from = Some(depth);
            continue;
        }
        let opens = code.matches('{').count();
        let closes = code.matches('}').count();
        match skipping_from {
            Some(level) => {
                depth = (depth + opens).saturating_sub(closes);
                // The item ends when its braces close (or at its `;` for `mod tests;`).
                if depth <= level && (closes > 0 || code.trim_end().ends_with(';')) {
                    skipping_from = None;
                }
            }
            None => {
                depth = (depth + opens).saturating_sub(closes);
                out.push_str(code);
                out.push('\n');
            }
        }
    }
    out
}

/// Every module path named in `text` (a file of module `module`), made absolute: `crate::a::b`, `super::x`,
/// `self::x`, and the paths inside `use` braces.
fn referenced_paths(text: &str, module: &[String]) -> Vec<ModulePath> {
    let mut paths = Vec::new();
    let bytes = text.as_bytes();
    for start in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(found) = text[from..].find(start) {
            let at = from + found;
            from = at + start.len();
            // A whole word only (`my_crate::` is not `crate::`).
            if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
                continue;
            }
            let base: ModulePath = match start {
                "crate::" => Vec::new(),
                "self::" => module.to_vec(),
                _ => {
                    // `super::super::x` climbs once per `super`.
                    let mut base = module.to_vec();
                    base.pop();
                    let mut rest = &text[from..];
                    while let Some(after) = rest.strip_prefix("super::") {
                        base.pop();
                        from += "super::".len();
                        rest = after;
                    }
                    base
                }
            };
            for tail in tails(&text[from..]) {
                let mut path = base.clone();
                path.extend(tail);
                paths.push(path);
            }
        }
    }
    paths
}

/// The paths after a `crate::` / `super::` prefix: `a::b::C` or a brace group `{a::b, c::{d, e}, F}`.
fn tails(text: &str) -> Vec<ModulePath> {
    let text = text.trim_start();
    if let Some(inner) = text.strip_prefix('{') {
        // Split the group at top-level commas.
        let mut depth = 0usize;
        let mut items = Vec::new();
        let mut current = String::new();
        for c in inner.chars() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(std::mem::take(&mut current));
                    continue;
                }
                _ => {}
            }
            current.push(c);
        }
        items.push(current);
        return items.iter().flat_map(|item| tails(item)).collect();
    }
    let mut path = Vec::new();
    let mut rest = text;
    loop {
        let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        path.push(rest[..end].to_owned());
        match rest[end..].strip_prefix("::") {
            Some(after) if after.starts_with('{') => {
                return tails(after).into_iter().map(|t| path.iter().cloned().chain(t).collect()).collect();
            }
            Some(after) => rest = after,
            None => break,
        }
    }
    vec![path]
}

/// Prints every crate's module graph (top level, then per file) and fails if any has a cycle.
pub fn run(root: &Path) -> Result<(), String> {
    let mut problems = Vec::new();
    for src in CRATES {
        let graph = Graph::of_crate(&root.join(src)).map_err(|e| format!("{src}: {e}"))?;
        let top = graph.top_level();
        println!("{src} (top-level modules):\n{}", top.render());
        for (level, graph) in [("top-level modules", &top), ("modules", &graph)] {
            if let Some(cycle) = graph.cycle() {
                problems.push(format!("{src}: import cycle between {level}: {}", cycle.join(" -> ")));
            }
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("\n")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(path: &str) -> ModulePath {
        path.split("::").filter(|s| !s.is_empty()).map(str::to_owned).collect()
    }

    #[test]
    fn paths_are_read_from_uses_groups_and_inline_calls() {
        let module = p("os::thread");
        let text = "use crate::{child::{A, B}, deadline::sleep};\nuse super::group;\nlet x = crate::run::up();\n\
                    use self::inner::X;\nuse super::super::logs::Y;\nmy_crate::not::this();";
        let found: BTreeSet<ModulePath> = referenced_paths(text, &module).into_iter().collect();
        let expected: BTreeSet<ModulePath> =
            ["child::A", "child::B", "deadline::sleep", "os::group", "run::up", "os::thread::inner::X", "logs::Y"]
                .iter()
                .map(|s| p(s))
                .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn test_code_and_comments_are_ignored() {
        let text = "use crate::a;\n// use crate::b;\n#[cfg(test)]\nmod tests {\n    use crate::c;\n}\nuse crate::d;\n";
        let kept = without_tests(text);
        assert!(kept.contains("crate::a") && kept.contains("crate::d"), "{kept}");
        assert!(!kept.contains("crate::b") && !kept.contains("crate::c"), "{kept}");
    }

    #[test]
    fn a_cycle_is_found_and_named() {
        let mut graph = Graph::default();
        graph.edges.insert(p("a"), [p("b")].into());
        graph.edges.insert(p("b"), [p("c")].into());
        graph.edges.insert(p("c"), [p("a")].into());
        assert_eq!(graph.cycle(), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
        graph.edges.insert(p("c"), BTreeSet::new());
        assert_eq!(graph.cycle(), None);
    }

    #[test]
    fn no_crate_of_the_workspace_has_an_import_cycle() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        if let Err(problems) = run(&root) {
            panic!("{problems}");
        }
    }
}
