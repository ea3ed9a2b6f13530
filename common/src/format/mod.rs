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

/// `value` with `digits` decimals, or in scientific notation where those decimals would
/// show a value that is not 0 as 0 (`-0.0000` for −2e-5, `0.0000` for a p-value of 1e-6).
pub fn decimals(value: f64, digits: usize) -> String {
    if value != 0.0 && value.abs() < 0.5 * 10f64.powi(-(digits as i32)) {
        format!("{value:.1e}")
    } else {
        format!("{value:.digits$}")
    }
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

    #[test]
    fn decimals_never_show_a_value_as_zero() {
        assert_eq!(decimals(0.0123, 4), "0.0123");
        assert_eq!(decimals(0.00006, 4), "0.0001");
        assert_eq!(decimals(0.0000099, 4), "9.9e-6");
        assert_eq!(decimals(-0.000021, 4), "-2.1e-5");
        assert_eq!(decimals(0.0, 4), "0.0000");
        assert_eq!(decimals(0.0004, 3), "4.0e-4");
    }
}
