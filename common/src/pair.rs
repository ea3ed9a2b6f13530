//! The course's two model families side by side, by name rather than by position.
//!
//! Lessons compare a BERT-style and a GPT-style model at every step. Holding the two as
//! `Pair { bert, gpt }` instead of `[a, b]` or two loose variables means a function that
//! takes a pair cannot receive them swapped, and every result and report field says which
//! model it belongs to.

use serde::Serialize;

/// One value for each model family.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Pair<T> {
    pub bert: T,
    pub gpt: T,
}

impl<T> Pair<T> {
    pub const fn new(bert: T, gpt: T) -> Self {
        Self { bert, gpt }
    }

    /// Both values by reference.
    pub fn as_ref(&self) -> Pair<&T> {
        Pair::new(&self.bert, &self.gpt)
    }

    /// Both values by mutable reference.
    pub fn as_mut(&mut self) -> Pair<&mut T> {
        Pair::new(&mut self.bert, &mut self.gpt)
    }

    /// `f` applied to each value.
    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Pair<U> {
        Pair::new(f(self.bert), f(self.gpt))
    }

    /// `f` applied to each value with its family's name ("BERT", "GPT"), for tables.
    pub fn map_named<U>(self, mut f: impl FnMut(&'static str, T) -> U) -> Pair<U> {
        Pair::new(f(Family::BERT, self.bert), f(Family::GPT, self.gpt))
    }

    /// The two pairs matched up family by family.
    pub fn zip<U>(self, other: Pair<U>) -> Pair<(T, U)> {
        Pair::new((self.bert, other.bert), (self.gpt, other.gpt))
    }

    /// The values in the order tables list them: BERT, then GPT.
    pub fn into_array(self) -> [T; 2] {
        [self.bert, self.gpt]
    }
}

impl<T, E> Pair<Result<T, E>> {
    /// Both results, or the first error (BERT's before GPT's).
    pub fn transpose(self) -> Result<Pair<T>, E> {
        Ok(Pair::new(self.bert?, self.gpt?))
    }
}

/// The display names of the two families in tables and figures. The notebooks say "GPT2";
/// the lessons say "GPT", since offline the GPT-style model is not GPT-2 (banners and
/// reports name the model).
pub struct Family;

impl Family {
    pub const BERT: &'static str = "BERT";
    pub const GPT: &'static str = "GPT";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_keep_their_family_through_map_and_zip() {
        let pair = Pair::new(1, 2).map(|v| v * 10).zip(Pair::new("b", "g"));
        assert_eq!(pair, Pair::new((10, "b"), (20, "g")));
        let names = Pair::new((), ()).map_named(|name, ()| name);
        assert_eq!(names.into_array(), ["BERT", "GPT"]);
        assert_eq!(
            serde_json::to_value(Pair::new(1, 2)).unwrap(),
            serde_json::json!({ "bert": 1, "gpt": 2 })
        );
        let failed: Pair<Result<i32, &str>> = Pair::new(Ok(1), Err("gpt"));
        assert_eq!(failed.transpose(), Err("gpt"));
    }
}
