//! What every long list page shares: the rows shown among how many ("1–50 of about
//! 100,000"), and the counts of long lists kept for a while so that paging through one
//! does not count it again at every page.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::db::paging::{KeyCursor, Order, PageAt, Paged};

/// How long a kept count is shown before it is counted again.
const KEPT_FOR: Duration = Duration::from_secs(30);
/// Counts from this many rows are kept (and shown as "about"); smaller ones are cheap to
/// count at every page and stay exact.
const KEPT_FROM: i64 = 1000;
/// Most counts kept at once; past it the oldest half is forgotten.
const MOST_KEPT: usize = 512;

/// Counts of long lists by their filter, shared by a server's requests.
#[derive(Default)]
pub struct ListCounts {
    kept: Mutex<HashMap<String, (Instant, Total)>>,
}

impl ListCounts {
    /// The count kept for `key`, while it is fresh: "about" (rows may have come or gone
    /// since), or "more than" as it was.
    pub fn get(&self, key: &str) -> Option<Total> {
        let kept = self.kept.lock().ok()?;
        kept.get(key)
            .filter(|(at, _)| at.elapsed() < KEPT_FOR)
            .map(|(_, total)| match *total {
                Total::Exactly(n) | Total::About(n) => Total::About(n),
                more => more,
            })
    }

    /// Keeps `total` for `key` when it is long enough to be worth keeping.
    pub fn keep(&self, key: String, total: Total) {
        let long = match total {
            Total::Exactly(n) | Total::About(n) => n >= KEPT_FROM,
            Total::MoreThan(_) => true,
        };
        if !long {
            return;
        }
        if let Ok(mut kept) = self.kept.lock() {
            if kept.len() >= MOST_KEPT {
                let mut ages: Vec<Instant> = kept.values().map(|(at, _)| *at).collect();
                ages.sort();
                let cut = ages[ages.len() / 2];
                kept.retain(|_, (at, _)| *at > cut);
            }
            kept.insert(key, (Instant::now(), total));
        }
    }
}

/// How many rows a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Total {
    Exactly(i64),
    /// Counted a moment ago and kept: rows may have come or gone since.
    About(i64),
    /// A search that stopped counting at this many.
    MoreThan(i64),
}

/// The rows a page shows among all of the list's: written "1–50 of 1,234".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown {
    /// The first row's number, from 1.
    pub first: i64,
    pub rows: i64,
    pub total: Total,
}

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.rows == 0 {
            return f.write_str("No rows");
        }
        let last = self.first + self.rows - 1;
        write!(f, "{}–{} of ", grouped(self.first), grouped(last))?;
        match self.total {
            // A stale count never says fewer rows than the page has seen.
            Total::Exactly(n) => write!(f, "{}", grouped(n.max(last))),
            Total::About(n) => write!(f, "about {}", grouped(n.max(last))),
            Total::MoreThan(n) => write!(f, "more than {}", grouped(n)),
        }
    }
}

/// A count with its thousands grouped: 100,000.
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The number of a page's first row: 1 on the first page (none before it), else as the
/// address says (`row`, 1 when absent or wrong).
pub fn first_row(has_previous: bool, raw: &str) -> i64 {
    if has_previous {
        // Up to a trillion: no list is longer, and the sums below cannot overflow.
        raw.parse()
            .ok()
            .filter(|n| (1..=1_000_000_000_000).contains(n))
            .unwrap_or(1)
    } else {
        1
    }
}

/// The `row` field of a page's address: absent for the first row.
pub fn row_field(row: i64) -> String {
    if row > 1 {
        row.to_string()
    } else {
        String::new()
    }
}

/// `path` with the fields that are not empty as its query string.
pub fn href(path: &str, fields: &[(&str, &str)]) -> String {
    let kept: Vec<(&str, &str)> = fields
        .iter()
        .copied()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    match serde_urlencoded::to_string(kept) {
        Ok(q) if !q.is_empty() => format!("{path}?{q}"),
        _ => path.to_owned(),
    }
}

/// The total to show for a list: the page's own rows when it holds the whole list
/// (`whole`), else the count just made (kept when long), else the one kept a moment ago.
pub fn total(
    counts: &ListCounts,
    key: String,
    whole: Option<i64>,
    counted: Option<Total>,
    kept: Option<Total>,
) -> Total {
    match (whole, counted, kept) {
        (Some(rows), _, _) => Total::Exactly(rows),
        (None, Some(total), _) => {
            counts.keep(key, total);
            total
        }
        (None, None, Some(total)) => total,
        (None, None, None) => Total::Exactly(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_the_rows_among_all() {
        let shown = |first, rows, total| Shown { first, rows, total }.to_string();
        assert_eq!(shown(1, 50, Total::Exactly(1234)), "1–50 of 1,234");
        assert_eq!(
            shown(51, 50, Total::About(100_000)),
            "51–100 of about 100,000"
        );
        assert_eq!(
            shown(1, 50, Total::MoreThan(1000)),
            "1–50 of more than 1,000"
        );
        // A count kept from before rows were added never reads below the rows seen.
        assert_eq!(
            shown(1001, 50, Total::About(1040)),
            "1,001–1,050 of about 1,050"
        );
        assert_eq!(shown(1, 0, Total::Exactly(0)), "No rows");
        assert_eq!(grouped(-1_234_567), "-1,234,567");
        assert_eq!(grouped(999), "999");
    }

    #[test]
    fn keeps_only_long_counts_and_forgets_the_oldest() {
        let counts = ListCounts::default();
        counts.keep("short".into(), Total::Exactly(12));
        assert_eq!(counts.get("short"), None);
        counts.keep("long".into(), Total::Exactly(100_000));
        assert_eq!(counts.get("long"), Some(Total::About(100_000)));
        counts.keep("search".into(), Total::MoreThan(1000));
        assert_eq!(counts.get("search"), Some(Total::MoreThan(1000)));
        for n in 0..MOST_KEPT * 2 {
            counts.keep(format!("k{n}"), Total::Exactly(5000));
        }
        assert!(counts.kept.lock().unwrap().len() <= MOST_KEPT);
        assert_eq!(
            counts.get(&format!("k{}", MOST_KEPT * 2 - 1)),
            Some(Total::About(5000))
        );
    }
}

/// A list's row position as its address writes it: an id and the sort column's value.
pub trait ListCursor: Sized {
    fn parse(id: &str, key: &str) -> Option<Self>;
    fn id(&self) -> String;
    fn key(&self) -> String;
}

impl<I: std::str::FromStr + std::fmt::Display> ListCursor for KeyCursor<I> {
    fn parse(id: &str, key: &str) -> Option<Self> {
        // An id with no key: a list sorted by id, which reads none.
        let key = if key.is_empty() { 0 } else { key.parse().ok()? };
        Some(KeyCursor {
            id: id.parse().ok()?,
            key,
        })
    }

    fn id(&self) -> String {
        self.id.to_string()
    }

    fn key(&self) -> String {
        self.key.to_string()
    }
}

/// The sort and page part of a list's address, beside its filters (`#[serde(flatten)]`).
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct Paging {
    /// The column sorted by; the list's own when empty.
    pub sort: String,
    /// "asc" or "desc"; the column's first order when empty.
    pub dir: String,
    /// The page after this row (id and sort value)...
    pub after_id: String,
    pub after: String,
    /// ...or the page before this one.
    pub before_id: String,
    pub before: String,
    /// The number of the page's first row.
    pub row: String,
}

impl Paging {
    pub fn order(&self, first: Order) -> Order {
        Order::parse(&self.dir).unwrap_or(first)
    }

    pub fn at<C: ListCursor>(&self) -> Option<PageAt<C>> {
        C::parse(&self.after_id, &self.after)
            .map(PageAt::After)
            .or_else(|| C::parse(&self.before_id, &self.before).map(PageAt::Before))
    }

    /// `path` with `filters`, this sort and order, at the page `at` (the first when None)
    /// whose first row is number `row`.
    pub fn href<C: ListCursor>(
        &self,
        path: &str,
        filters: &[(&str, &str)],
        at: Option<&PageAt<C>>,
        row: i64,
    ) -> String {
        let (mut after_id, mut after, mut before_id, mut before) = Default::default();
        match at {
            Some(PageAt::After(c)) => (after_id, after) = (c.id(), c.key()),
            Some(PageAt::Before(c)) => (before_id, before) = (c.id(), c.key()),
            None => {}
        }
        let row = row_field(row);
        let mut fields = filters.to_vec();
        fields.extend([
            ("sort", self.sort.as_str()),
            ("dir", self.dir.as_str()),
            ("after_id", after_id.as_str()),
            ("after", after.as_str()),
            ("before_id", before_id.as_str()),
            ("before", before.as_str()),
            ("row", row.as_str()),
        ]);
        href(path, &fields)
    }

    /// The list sorted by `key` from its first page (`first`: the order `key` starts in);
    /// the other way round when `current` (the column sorted by now, in `order`) is `key`.
    pub fn sorted_by(&self, key: &str, first: Order, current: &str, order: Order) -> Paging {
        Paging {
            sort: key.to_owned(),
            dir: if current == key {
                order.reversed().key().to_owned()
            } else {
                first.key().to_owned()
            },
            ..Paging::default()
        }
    }
}

/// What a sortable list's address is made of, and the addresses its page links to: the
/// list states its path, filters and columns; the links follow.
pub trait SortedList {
    type Cursor: ListCursor;
    /// The list's path; its CSV is at the same path with `.csv`.
    const PATH: &'static str;

    fn paging(&self) -> &Paging;

    /// The filter's fields as the address carries them.
    fn filters(&self) -> Vec<(&'static str, &str)>;

    /// The column named `key` (any text: an unknown one is the list's own order) as the
    /// list's key for it, and the order it starts in.
    fn column(key: &str) -> (&'static str, Order);

    /// The column the list is sorted by.
    fn sort_key(&self) -> &'static str {
        Self::column(&self.paging().sort).0
    }

    fn order(&self) -> Order {
        self.paging().order(Self::column(self.sort_key()).1)
    }

    /// This filter, in this order, at the page `at` whose first row is number `row`.
    fn href(&self, at: Option<&PageAt<Self::Cursor>>, row: i64) -> String {
        self.paging().href(Self::PATH, &self.filters(), at, row)
    }

    /// The filtered list as CSV, in this order.
    fn csv_href(&self) -> String {
        let path = format!("{}.csv", Self::PATH);
        self.paging()
            .href::<Self::Cursor>(&path, &self.filters(), None, 1)
    }

    /// The list sorted by `key` from its first page: the other way round when it is sorted
    /// by `key` already.
    fn sort_href(&self, key: &str) -> String {
        let (key, first) = Self::column(key);
        self.paging()
            .sorted_by(key, first, self.sort_key(), self.order())
            .href::<Self::Cursor>(Self::PATH, &self.filters(), None, 1)
    }

    /// How the column `key` orders the list: `aria-sort`'s word for it.
    fn aria_sort(&self, key: &str) -> &'static str {
        aria_sort(Self::column(key).0, self.sort_key(), self.order())
    }
}

/// `aria-sort`'s word for a column `key` of a list sorted by `current` in `order`.
pub fn aria_sort(key: &str, current: &str, order: Order) -> &'static str {
    match (key == current, order) {
        (false, _) => "none",
        (true, Order::Ascending) => "ascending",
        (true, Order::Descending) => "descending",
    }
}

/// Whether a list must be counted: its page does not hold it whole and no count is kept.
pub fn needs_count<T, C>(page: &Paged<T, C>, kept: Option<Total>) -> bool {
    kept.is_none() && (page.next.is_some() || page.previous.is_some())
}

/// Where `page` is among all rows: its first row's number from the address (`row`), and the
/// total from `counted` (kept when long), else the count `kept`, else the page itself.
pub fn shown<T, C>(
    counts: &ListCounts,
    key: String,
    page: &Paged<T, C>,
    row: &str,
    counted: Option<i64>,
    kept: Option<Total>,
) -> Shown {
    let rows = page.rows.len() as i64;
    let whole = (page.next.is_none() && page.previous.is_none()).then_some(rows);
    Shown {
        first: first_row(page.previous.is_some(), row),
        rows,
        total: total(counts, key, whole, counted.map(Total::Exactly), kept),
    }
}

/// The addresses of the pages after and before `page` (shown as `shown`, `per` rows to a
/// page), from `href` (a page position and its first row's number to an address).
pub fn neighbours<T, C: Clone>(
    page: &Paged<T, C>,
    shown: &Shown,
    per: i64,
    href: impl Fn(&PageAt<C>, i64) -> String,
) -> (Option<String>, Option<String>) {
    (
        page.previous
            .clone()
            .map(|c| href(&PageAt::Before(c), shown.first - per)),
        page.next
            .clone()
            .map(|c| href(&PageAt::After(c), shown.first + shown.rows)),
    )
}
