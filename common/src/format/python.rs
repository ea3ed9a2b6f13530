//! Values printed as the notebooks' Python prints them, so a lesson's output can be read
//! line by line beside the notebook's: `repr` of a string and of a list of strings, and
//! numpy's `repr` of an integer array (what a notebook cell that ends in an array shows).

use unicode_categories::UnicodeCategories;

/// Python's `isprintable()` for one character: letters, marks, numbers, punctuation,
/// symbols and the ASCII space. (The category table is the `unicode_categories` crate's,
/// an older Unicode version than Python's: a character assigned since then is escaped
/// here and printed by Python.)
fn printable(c: char) -> bool {
    c == ' ' || c.is_letter() || c.is_mark() || c.is_number() || c.is_punctuation() || c.is_symbol()
}

/// `repr(s)`: single quotes unless the text holds a `'` and no `"`; backslash, the quote,
/// tab, newline and carriage return escaped; other unprintable characters as `\xNN`,
/// `\uNNNN` or `\UNNNNNNNN`.
pub fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii() && (c < ' ' || c == '\x7f') => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_ascii() || printable(c) => out.push(c),
            c if (c as u32) <= 0xff => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push(quote);
    out
}

/// `repr(x)` of a float: the shortest digits that read back as `x`, in positional
/// notation for exponents −4 to 15 (`0.1`, `1.0`), else scientific with at least two
/// exponent digits (`1e-05`, `1e-12`, `1e+16`).
pub fn float_repr(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "nan".into()
        } else if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let scientific = format!("{x:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if x == 0.0 || (-4..16).contains(&exponent) {
        let text = x.to_string();
        if text.contains('.') {
            text
        } else {
            format!("{text}.0")
        }
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    }
}

/// `repr(list_of_strings)`.
pub fn list_repr<S: AsRef<str>>(items: &[S]) -> String {
    let items: Vec<String> = items.iter().map(|s| str_repr(s.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

/// numpy's `repr` of a 1-D integer array at its default print options: `array([…])`, each
/// value right-aligned to the widest, lines wrapped before 75 characters and continued
/// under the first value. (Arrays over 1,000 values, which numpy abbreviates with `...`,
/// are printed whole.)
pub fn int_array_repr(values: &[i64]) -> String {
    const LINE_WIDTH: usize = 75;
    const PREFIX: &str = "array(";
    if values.is_empty() {
        return "array([], dtype=int64)".into();
    }
    let width = values
        .iter()
        .map(|v| v.to_string().len())
        .max()
        .unwrap_or(0);
    // numpy's `_formatArray`: the closing ")" comes off the line width, and the room for a
    // value is what is left before its separator or the closing "]".
    let hanging = " ".repeat(PREFIX.len() + 1);
    let room = LINE_WIDTH - 1 - 1;
    let mut text = String::new();
    let mut line = hanging.clone();
    for (i, v) in values.iter().enumerate() {
        let word = format!("{v:>width$}");
        if line.len() + word.len() > room && line.len() > hanging.len() {
            text.push_str(line.trim_end());
            text.push('\n');
            line = hanging.clone();
        }
        line.push_str(&word);
        if i + 1 < values.len() {
            line.push_str(", ");
        }
    }
    text.push_str(&line);
    format!("{PREFIX}[{}])", &text[hanging.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every expected string below is what CPython 3.11 and numpy 2.1 print for the input.
    #[test]
    fn strings_print_as_python_repr_prints_them() {
        let cases = [
            ("the", "'the'"),
            ("'", "\"'\""),
            ("\"", "'\"'"),
            ("'\"", "'\\'\"'"),
            ("\\", "'\\\\'"),
            ("a\tb\nc\r", "'a\\tb\\nc\\r'"),
            ("\x00\x1f\x7f", "'\\x00\\x1f\\x7f'"),
            ("\u{a0}", "'\\xa0'"),
            ("\u{ad}", "'\\xad'"),
            ("\u{200b}", "'\\u200b'"),
            ("\u{2028}", "'\\u2028'"),
            ("\u{e000}", "'\\ue000'"),
            ("\u{f0000}", "'\\U000f0000'"),
            ("é ĠĊ �", "'é ĠĊ �'"),
            ("日本", "'日本'"),
            ("\u{301}", "'\u{301}'"),
        ];
        for (text, expected) in cases {
            assert_eq!(str_repr(text), expected, "{text:?}");
        }
        assert_eq!(list_repr(&["' s", "\\"]), "[\"' s\", '\\\\']");
        assert_eq!(list_repr::<&str>(&[]), "[]");
    }

    #[test]
    fn floats_print_as_python_repr_prints_them() {
        let cases = [
            (0.1, "0.1"),
            (1.0, "1.0"),
            (0.0, "0.0"),
            (1e-5, "1e-05"),
            (1e-12, "1e-12"),
            (0.0001, "0.0001"),
            (1.5e-7, "1.5e-07"),
            (1e16, "1e+16"),
            (123456.0, "123456.0"),
            (-2.5e-5, "-2.5e-05"),
        ];
        for (x, expected) in cases {
            assert_eq!(float_repr(x), expected, "{x}");
        }
    }

    #[test]
    fn integer_arrays_print_as_numpy_repr_prints_them() {
        assert_eq!(int_array_repr(&[0, 1, 2]), "array([0, 1, 2])");
        assert_eq!(int_array_repr(&[-1, 0, 3]), "array([-1,  0,  3])");
        assert_eq!(int_array_repr(&[]), "array([], dtype=int64)");
        // 30 two-wide values: 17 on a line of at most 73 characters, then a continuation
        // line indented under the first value.
        let values: Vec<i64> = (0..30).map(|i| i % 4 - 1).collect();
        let expected = "array([-1,  0,  1,  2, -1,  0,  1,  2, -1,  0,  1,  2, -1,  0,  1,  2, -1,\n        0,  1,  2, -1,  0,  1,  2, -1,  0,  1,  2, -1,  0])";
        assert_eq!(int_array_repr(&values), expected);
    }
}
