//! Python's `fnmatch.fnmatch` (case-sensitive, as on POSIX): `*`, `?`, `[seq]`, `[!seq]`.

/// Whether `name` matches the shell pattern `pat`.
pub fn fnmatch(name: &str, pat: &str) -> bool {
    let n: Vec<char> = name.chars().collect();
    let p: Vec<char> = pat.chars().collect();
    matches(&n, &p)
}

fn class_end(p: &[char], start: usize) -> Option<usize> {
    // p[start] == '['; returns index of the closing ']' like Python's translate does.
    let mut j = start + 1;
    if j < p.len() && p[j] == '!' {
        j += 1;
    }
    if j < p.len() && p[j] == ']' {
        j += 1;
    }
    while j < p.len() && p[j] != ']' {
        j += 1;
    }
    (j < p.len()).then_some(j)
}

fn class_match(class: &[char], c: char) -> bool {
    let (neg, body) = match class.first() {
        Some('!') => (true, &class[1..]),
        _ => (false, class),
    };
    let mut i = 0;
    let mut hit = false;
    while i < body.len() {
        if i + 2 < body.len() && body[i + 1] == '-' {
            if body[i] <= c && c <= body[i + 2] {
                hit = true;
            }
            i += 3;
        } else {
            if body[i] == c {
                hit = true;
            }
            i += 1;
        }
    }
    hit != neg
}

fn matches(n: &[char], p: &[char]) -> bool {
    // Iterative matcher with backtracking on the last `*`.
    let (mut ni, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi, ni));
                    pi += 1;
                    continue;
                }
                '?' => {
                    ni += 1;
                    pi += 1;
                    continue;
                }
                '[' => {
                    if let Some(end) = class_end(p, pi) {
                        if class_match(&p[pi + 1..end], n[ni]) {
                            ni += 1;
                            pi = end + 1;
                            continue;
                        }
                    } else if n[ni] == '[' {
                        ni += 1;
                        pi += 1;
                        continue;
                    }
                }
                c => {
                    if c == n[ni] {
                        ni += 1;
                        pi += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((sp, sn)) => {
                pi = sp + 1;
                ni = sn + 1;
                star = Some((sp, sn + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// `fnmatch.filter`: the names matching `pat`, in order.
pub fn filter<'a>(names: &'a [String], pat: &str) -> Vec<&'a String> {
    names.iter().filter(|n| fnmatch(n, pat)).collect()
}

#[cfg(test)]
mod tests {
    use super::fnmatch;

    #[test]
    fn globs() {
        assert!(fnmatch("web1", "web*"));
        assert!(fnmatch("web1", "*"));
        assert!(!fnmatch("db1", "web*"));
        assert!(fnmatch("web1", "web?"));
        assert!(fnmatch("web1", "web[0-9]"));
        assert!(!fnmatch("webx", "web[!a-z]"));
        assert!(fnmatch("a.b.c", "a.*"));
        assert!(fnmatch("", "*"));
        assert!(!fnmatch("abc", "ab"));
        assert!(fnmatch("x[", "x["));
    }
}
