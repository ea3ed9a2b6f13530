//! Leaf helpers for text every layer may print: numbers as Python formats them, and
//! Python's reprs (in [`python`]). They depend on nothing else in the crate.

pub mod python;

/// `1234567` → `1,234,567`, as Python's `f"{n:,}"`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_like_python() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(30522), "30,522");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
