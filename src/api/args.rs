//! What the repeated query parameters (`ids`, `include_credential`,
//! `expand`) accept: [`ListArg`], a list of [`ListItem`]s.
//!
//! A list is whatever a caller has at hand: an array literal (`["a", "b"]`,
//! `[id1, id2]`, `[CredentialType::Totp]`, or `[]` for "none"), a `Vec`, a
//! slice, a set, an `Option`, or an iterator such as `users.iter().map(|u|
//! u.id)`. Items are strings, UUIDs, or the crate's enums.
//!
//! An empty array literal `[]` has no element type of its own; only one
//! array impl covers length zero (`[&str; N]`), so `[]` type-checks as an
//! empty list of strings. Arrays of the other item types are covered up to
//! 32 elements; for longer ones, use a `Vec` or an iterator.

use std::collections::{BTreeSet, HashSet, VecDeque};

use uuid::Uuid;

use crate::models::{Consistency, CredentialType, SessionExpand};

/// The conversions behind [`ListItem`] and [`ListArg`], in a
/// module users cannot name: the traits are sealed, so the crate may add
/// impls without breaking anyone's code.
pub(crate) mod sealed {
    /// See [`ListItem`](super::ListItem).
    pub trait Item {
        /// The text sent for this item.
        fn into_text(self) -> String;
    }

    /// See [`ListArg`](super::ListArg).
    pub trait List {
        /// The texts sent, one query pair each, in order.
        fn into_texts(self) -> Vec<String>;
    }
}

/// One item of a list argument: a string (`&str`, `String`, `&String`), a
/// [`Uuid`], or one of the crate's enums ([`CredentialType`],
/// [`SessionExpand`], [`Consistency`]). Sealed: implemented by the crate only.
pub trait ListItem: sealed::Item {}

impl<T: sealed::Item> ListItem for T {}

impl sealed::Item for &str {
    fn into_text(self) -> String {
        self.to_string()
    }
}

impl sealed::Item for String {
    fn into_text(self) -> String {
        self
    }
}

impl sealed::Item for &String {
    fn into_text(self) -> String {
        self.clone()
    }
}

impl sealed::Item for &&str {
    fn into_text(self) -> String {
        (*self).to_string()
    }
}

impl sealed::Item for Uuid {
    fn into_text(self) -> String {
        self.to_string()
    }
}

impl sealed::Item for &Uuid {
    fn into_text(self) -> String {
        self.to_string()
    }
}

/// The crate's string enums are list items, by value and by reference.
macro_rules! enum_items {
    ($($ty:ty),+) => {$(
        impl sealed::Item for $ty {
            fn into_text(self) -> String {
                self.as_str().to_string()
            }
        }

        impl sealed::Item for &$ty {
            fn into_text(self) -> String {
                self.as_str().to_string()
            }
        }
    )+};
}

enum_items!(CredentialType, SessionExpand, Consistency);

/// A list argument of the repeated query parameters (`ids`,
/// `include_credential`, `expand`): whatever a caller has at hand.
///
/// - an array literal: `["a", "b"]`, `[id1, id2]`, `[CredentialType::Totp]`,
///   or `[]` for "none" (it type-checks as an empty list of strings);
/// - a `Vec`, `VecDeque`, `HashSet`, `BTreeSet` or `Option` of items, or a
///   borrowed `&Vec`/slice;
/// - an iterator ending in `.map(…)`, `.filter(…)`, `.cloned()`,
///   `.copied()`, or a slice's `.iter()`.
///
/// Items ([`ListItem`]) are strings, UUIDs, or the crate's enums. Arrays of
/// items other than `&str` are covered up to 32 elements; for longer ones,
/// or another kind of iterator, collect into a `Vec` first.
///
/// Sealed: implemented by the crate only.
pub trait ListArg: sealed::List {}

impl<T: sealed::List> ListArg for T {}

/// Arrays of string slices of any length, the empty literal `[]` included.
impl<const N: usize> sealed::List for [&str; N] {
    fn into_texts(self) -> Vec<String> {
        self.into_iter().map(sealed::Item::into_text).collect()
    }
}

/// Arrays of the other item types, 1 to 32 elements long (a length-0 impl
/// here would make `[]` ambiguous).
macro_rules! arrays_of {
    ($ty:ty; $($n:literal)+) => {$(
        impl sealed::List for [$ty; $n] {
            fn into_texts(self) -> Vec<String> {
                self.into_iter().map(sealed::Item::into_text).collect()
            }
        }
    )+};
}

macro_rules! arrays {
    ($($ty:ty),+) => {$(
        arrays_of!($ty; 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32);
    )+};
}

arrays!(
    String,
    &String,
    Uuid,
    &Uuid,
    CredentialType,
    &CredentialType,
    SessionExpand,
    &SessionExpand
);

/// Owned collections and iterators of list items.
macro_rules! owned {
    ($($collection:ident),+) => {$(
        impl<T: ListItem> sealed::List for $collection<T> {
            fn into_texts(self) -> Vec<String> {
                self.into_iter().map(sealed::Item::into_text).collect()
            }
        }
    )+};
}

owned!(Vec, VecDeque, BTreeSet, Option);

impl<T: ListItem, S> sealed::List for HashSet<T, S> {
    fn into_texts(self) -> Vec<String> {
        self.into_iter().map(sealed::Item::into_text).collect()
    }
}

impl<T: ListItem> sealed::List for std::vec::IntoIter<T> {
    fn into_texts(self) -> Vec<String> {
        self.map(sealed::Item::into_text).collect()
    }
}

/// Borrowed collections: their items are cloned into texts.
impl<T> sealed::List for &[T]
where
    for<'a> &'a T: ListItem,
{
    fn into_texts(self) -> Vec<String> {
        self.iter().map(sealed::Item::into_text).collect()
    }
}

impl<T> sealed::List for &Vec<T>
where
    for<'a> &'a T: ListItem,
{
    fn into_texts(self) -> Vec<String> {
        self.as_slice().into_texts()
    }
}

impl<'s, T> sealed::List for std::slice::Iter<'s, T>
where
    &'s T: ListItem,
{
    fn into_texts(self) -> Vec<String> {
        self.map(sealed::Item::into_text).collect()
    }
}

/// The iterator adapters a caller most often ends a list with.
impl<B: ListItem, I: Iterator, F: FnMut(I::Item) -> B> sealed::List for std::iter::Map<I, F> {
    fn into_texts(self) -> Vec<String> {
        self.map(sealed::Item::into_text).collect()
    }
}

impl<I: Iterator, P: FnMut(&I::Item) -> bool> sealed::List for std::iter::Filter<I, P>
where
    I::Item: ListItem,
{
    fn into_texts(self) -> Vec<String> {
        self.map(sealed::Item::into_text).collect()
    }
}

impl<'a, T: 'a + Copy + ListItem, I: Iterator<Item = &'a T>> sealed::List for std::iter::Copied<I> {
    fn into_texts(self) -> Vec<String> {
        self.map(sealed::Item::into_text).collect()
    }
}

impl<'a, T: 'a + Clone + ListItem, I: Iterator<Item = &'a T>> sealed::List
    for std::iter::Cloned<I>
{
    fn into_texts(self) -> Vec<String> {
        self.map(sealed::Item::into_text).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(list: impl ListArg) -> Vec<String> {
        list.into_texts()
    }

    #[test]
    fn everything_a_caller_has_is_a_list() {
        let id = Uuid::nil();
        let nil = "00000000-0000-0000-0000-000000000000";
        assert!(texts([]).is_empty());
        assert_eq!(texts(["a", "b"]), ["a", "b"]);
        assert_eq!(texts([id, id]), [nil, nil]);
        assert_eq!(texts([&id]), [nil]);
        assert_eq!(texts([String::from("s")]), ["s"]);
        assert_eq!(
            texts([CredentialType::Totp, CredentialType::from("quantum")]),
            ["totp", "quantum"]
        );
        assert_eq!(
            texts([SessionExpand::Identity, SessionExpand::Devices]),
            ["identity", "devices"]
        );
        let owned = vec![String::from("x"), String::from("y")];
        assert_eq!(texts(&owned), ["x", "y"]);
        assert_eq!(texts(owned.as_slice()), ["x", "y"]);
        assert_eq!(texts(owned.iter()), ["x", "y"]);
        assert_eq!(texts(owned.clone()), ["x", "y"]);
        assert_eq!(texts(owned.iter().cloned()), ["x", "y"]);
        assert_eq!(texts(owned.iter().filter(|s| *s == "y")), ["y"]);
        struct User {
            id: Uuid,
        }
        let users = [User { id }, User { id }];
        assert_eq!(texts(users.iter().map(|u| u.id)), [nil, nil]);
        assert_eq!(texts([id].iter().copied()), [nil]);
        assert_eq!(texts(Some("one")), ["one"]);
        assert!(texts(None::<&str>).is_empty());
        assert!(texts(Vec::<Uuid>::new()).is_empty());
        assert_eq!(texts(BTreeSet::from(["b", "a"])), ["a", "b"]);
    }
}
