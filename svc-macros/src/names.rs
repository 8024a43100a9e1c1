//! Service names (kebab-case from the struct name, validation of `name = "..."`) and "did you mean" suggestions.

/// The default service name of a struct: its name in kebab-case.
///
/// A word starts at an uppercase letter that follows a lowercase letter or a digit (`RedisCluster` ->
/// `redis-cluster`), and at the last capital of an acronym that is followed by a lowercase letter (`HTTPServer` ->
/// `http-server`). Underscores separate words too. Digits stay with the word before them (`S3Bucket` ->
/// `s3-bucket`, `Postgres16` -> `postgres16`).
pub fn kebab_case(ident: &str) -> String {
    let chars: Vec<char> = ident.trim_start_matches("r#").chars().collect();
    let mut out = String::with_capacity(chars.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            continue;
        }
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let starts_word = prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_is_lower);
            if starts_word && !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        out.extend(c.to_lowercase());
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// Why `name` is not a valid service name, if it is not.
///
/// A service name appears in process namespaces (`<service>.<instance>`), configuration paths and messages, so
/// it is kept to lowercase ASCII letters, digits and single inner hyphens, starting with a letter.
pub fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("the service name is empty".to_owned());
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')) {
        return Some(format!(
            "the service name {name:?} contains {bad:?}; use lowercase letters, digits and `-` (for example {:?})",
            kebab_case(&name.replace([' ', '.'], "_"))
                .chars()
                .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
                .collect::<String>()
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Some(format!("the service name {name:?} must start with a lowercase letter"));
    }
    if name.ends_with('-') || name.contains("--") {
        return Some(format!(
            "the service name {name:?} has a trailing or doubled `-`; use single hyphens between words"
        ));
    }
    None
}

/// The candidate closest to `unknown`, if it is close enough to be a plausible typo.
///
/// The same rule as `svc_core::closest`, kept here on purpose: depending on svc-core would make this proc-macro
/// wait for serde and schemars to compile instead of building beside them.
pub fn closest<'a>(unknown: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(unknown, c), *c))
        .filter(|(d, c)| *d <= (c.len().max(unknown.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// "did you mean `x`?" or "expected one of `a`, `b`".
pub fn suggestion(unknown: &str, candidates: &[&str]) -> String {
    match closest(unknown, candidates) {
        Some(close) => format!("did you mean `{close}`?"),
        None => {
            let list: Vec<String> = candidates.iter().map(|c| format!("`{c}`")).collect();
            if list.len() == 1 {
                format!("the only key is {}", list[0])
            } else {
                format!("expected one of {}", list.join(", "))
            }
        }
    }
}

/// Edit distance counting insertions, deletions, substitutions and swaps of two adjacent chars (the usual
/// typo, `defualt`) as one edit each (optimal string alignment).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kebab_case_of_struct_names() {
        for (ident, name) in [
            ("Hello", "hello"),
            ("RedisCluster", "redis-cluster"),
            ("HTTPServer", "http-server"),
            ("MyHTTPServer", "my-http-server"),
            ("S3Bucket", "s3-bucket"),
            ("Postgres16", "postgres16"),
            ("PostgresV2Server", "postgres-v2-server"),
            ("Redis_Cluster", "redis-cluster"),
            ("ABC", "abc"),
            ("r#Type", "type"),
            ("Ollama", "ollama"),
        ] {
            assert_eq!(kebab_case(ident), name, "{ident}");
        }
    }

    #[test]
    fn every_default_name_of_a_camel_case_ident_is_valid() {
        for ident in ["Hello", "RedisCluster", "HTTPServer", "S3Bucket", "Postgres16", "A"] {
            assert_eq!(name_problem(&kebab_case(ident)), None, "{ident}");
        }
    }

    #[test]
    fn name_problems() {
        assert_eq!(name_problem("hello"), None);
        assert_eq!(name_problem("redis-cluster2"), None);
        assert_eq!(name_problem("").as_deref(), Some("the service name is empty"));
        let spaced = name_problem("Hello World").unwrap();
        assert!(spaced.contains("contains 'H'") && spaced.contains("\"hello-world\""), "{spaced}");
        assert!(name_problem("2fast").unwrap().contains("must start with a lowercase letter"));
        assert!(name_problem("redis-").unwrap().contains("trailing or doubled"));
        assert!(name_problem("redis--x").unwrap().contains("trailing or doubled"));
    }

    #[test]
    fn suggestions() {
        assert_eq!(closest("defualt", &["default", "description"]), Some("default"));
        assert_eq!(closest("descripton", &["default", "description"]), Some("description"));
        assert_eq!(closest("nmae", &["name"]), Some("name"));
        assert_eq!(closest("rename", &["default", "description"]), None);
        assert_eq!(suggestion("rename", &["default", "description"]), "expected one of `default`, `description`");
        assert_eq!(suggestion("title", &["name"]), "the only key is `name`");
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("nmae", "name"), 1);
    }
}
