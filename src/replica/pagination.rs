//! Pages of ten: which slice of a list a `?page=` asks for, and the links
//! to its neighbours.
//!
//! The rules are those of SWAPI's framework:
//!
//! - no `page` (or an empty one) means page 1; `page=last` means the last;
//! - anything else must be an integer between 1 and the last page, or the
//!   answer is a 404 (`page=0`, `page=10` for people, `page=two`);
//! - an empty list still has one (empty) page;
//! - `next` and `previous` repeat the request's query with `page` set, so
//!   the previous link of page 2 says `page=1` rather than dropping it.

use std::ops::Range;

use super::query::Query;

/// Records per page.
pub(crate) const PAGE_SIZE: usize = 10;

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Page {
    /// This page's number, from 1 to `last` inclusive.
    pub(crate) number: usize,
    /// The number of the last page; at least 1.
    pub(crate) last: usize,
    /// The positions, within the whole list, of the records on this page.
    pub(crate) items: Range<usize>,
}

impl Page {
    /// Picks the page `requested` (the raw `page` parameter) from a list of
    /// `count` records, or `None` when no such page exists.
    pub(crate) fn select(count: usize, requested: Option<&str>) -> Option<Page> {
        let last = count.div_ceil(PAGE_SIZE).max(1);
        let number = match requested.map(str::trim) {
            None | Some("") => 1,
            Some("last") => last,
            Some(text) => parse_page_number(text)?,
        };
        if !(1..=last).contains(&number) {
            return None;
        }
        let start = (number - 1) * PAGE_SIZE;
        let items = start..count.min(start + PAGE_SIZE);
        Some(Page {
            number,
            last,
            items,
        })
    }

    /// The URL of the next page, if there is one.
    pub(crate) fn next_url(&self, list_url: &str, query: &Query) -> Option<String> {
        (self.number < self.last).then(|| page_url(list_url, query, self.number + 1))
    }

    /// The URL of the previous page, if there is one.
    pub(crate) fn previous_url(&self, list_url: &str, query: &Query) -> Option<String> {
        (self.number > 1).then(|| page_url(list_url, query, self.number - 1))
    }
}

/// `list_url` followed by the request's query with `page` set to `number`.
fn page_url(list_url: &str, query: &Query, number: usize) -> String {
    format!(
        "{list_url}?{}",
        query.with("page", &number.to_string()).encode()
    )
}

/// An optionally signed run of ASCII digits. Negative numbers and numbers too
/// large to represent are returned as 0, which no page has.
fn parse_page_number(text: &str) -> Option<usize> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if negative {
        return Some(0);
    }
    Some(digits.parse().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(count: usize, requested: &str) -> Option<Page> {
        Page::select(count, Some(requested))
    }

    #[test]
    fn the_default_page_is_the_first() {
        let first = Page::select(82, None).unwrap();
        assert_eq!((first.number, first.last, first.items), (1, 9, 0..10));
        assert_eq!(page(82, ""), Page::select(82, None));
    }

    #[test]
    fn last_names_the_last_page_which_may_be_short() {
        let last = page(82, "last").unwrap();
        assert_eq!((last.number, last.items.clone()), (9, 80..82));
        assert_eq!(page(82, "9"), Some(last));
    }

    #[test]
    fn pages_outside_the_list_or_not_numbers_do_not_exist() {
        for requested in [
            "0",
            "10",
            "-1",
            "two",
            "1.5",
            "+",
            "99999999999999999999999",
            "LAST",
        ] {
            assert_eq!(page(82, requested), None, "page={requested}");
        }
    }

    #[test]
    fn signs_and_surrounding_spaces_are_tolerated() {
        assert_eq!(page(82, " +2 ").map(|p| p.number), Some(2));
        assert_eq!(page(82, "02").map(|p| p.number), Some(2));
    }

    #[test]
    fn an_empty_list_has_one_empty_page() {
        let only = page(0, "1").unwrap();
        assert_eq!((only.number, only.last, only.items), (1, 1, 0..0));
        assert_eq!(page(0, "2"), None);
    }

    #[test]
    fn neighbours_keep_the_query_and_never_drop_page() {
        let query = Query::parse("search=a&page=2");
        let second = page(30, "2").unwrap();
        let list = "https://swapi.dev/api/people/";
        assert_eq!(
            second.next_url(list, &query).as_deref(),
            Some("https://swapi.dev/api/people/?search=a&page=3")
        );
        assert_eq!(
            second.previous_url(list, &query).as_deref(),
            Some("https://swapi.dev/api/people/?search=a&page=1")
        );
        let third = page(30, "3").unwrap();
        assert_eq!(third.next_url(list, &query), None);
        assert_eq!(page(30, "1").unwrap().previous_url(list, &query), None);
    }
}
