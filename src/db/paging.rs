//! Keyset pages read either way: a list sorted by a column (then id) in either order, its
//! next page after the last row and its previous page before the first, read the other
//! way round and turned back.

/// Which way a list is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    Ascending,
    /// Newest, largest first: how lists open.
    #[default]
    Descending,
}

impl Order {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "asc" => Some(Order::Ascending),
            "desc" => Some(Order::Descending),
            _ => None,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Order::Ascending => "asc",
            Order::Descending => "desc",
        }
    }

    pub fn reversed(self) -> Self {
        match self {
            Order::Ascending => Order::Descending,
            Order::Descending => Order::Ascending,
        }
    }
}

/// Where a page is: after a row (the next page) or before one (the previous page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageAt<C> {
    After(C),
    Before(C),
}

impl<C> PageAt<C> {
    pub fn cursor(&self) -> &C {
        match self {
            PageAt::After(c) | PageAt::Before(c) => c,
        }
    }

    pub fn is_before(&self) -> bool {
        matches!(self, PageAt::Before(_))
    }
}

/// A row a page starts next to, in a list sorted by an integer column (an amount, a time
/// in microseconds; unused when sorted by id) and then by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyCursor<I> {
    pub id: I,
    pub key: i64,
}

/// Whether a page at `at` of a list shown in `order` reads its rows descending: the
/// shown order, or the other one for a previous page.
pub fn reads_descending<C>(order: Order, at: Option<&PageAt<C>>) -> bool {
    (order == Order::Descending) != at.is_some_and(PageAt::is_before)
}

/// One page of rows and the rows it continues from either way.
#[derive(Debug, Clone)]
pub struct Paged<T, C> {
    pub rows: Vec<T>,
    /// The last row, when rows follow it.
    pub next: Option<C>,
    /// The first row, when rows come before it.
    pub previous: Option<C>,
}

impl<T, C> Paged<T, C> {
    /// The page from up to `limit + 1` rows read at `at` (in reading order, see
    /// `reads_descending`). None when a previous page reached the start of the list: the
    /// caller shows the first page instead, whole.
    pub fn from_rows(
        mut rows: Vec<T>,
        limit: i64,
        at: Option<&PageAt<C>>,
        cursor_of: impl Fn(&T) -> C,
    ) -> Option<Self> {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit.max(0) as usize);
        let backwards = at.is_some_and(PageAt::is_before);
        if backwards {
            if !more {
                return None;
            }
            rows.reverse();
        }
        Some(Paged {
            next: (more || backwards)
                .then(|| rows.last().map(&cursor_of))
                .flatten(),
            previous: at.is_some().then(|| rows.first().map(&cursor_of)).flatten(),
            rows,
        })
    }
}

impl<T, C> Paged<T, C> {
    /// The page at `at`, from `read` (up to `limit + 1` rows at a position, in reading
    /// order): a previous page that reached the start of the list is the first page, whole.
    pub fn read<E>(
        limit: i64,
        at: Option<&PageAt<C>>,
        cursor_of: impl Fn(&T) -> C,
        mut read: impl FnMut(Option<&PageAt<C>>) -> Result<Vec<T>, E>,
    ) -> Result<Self, E> {
        if let Some(page) = Self::from_rows(read(at)?, limit, at, &cursor_of) {
            return Ok(page);
        }
        let first = read(None)?;
        Ok(
            Self::from_rows(first, limit, None, &cursor_of).unwrap_or(Paged {
                rows: Vec::new(),
                next: None,
                previous: None,
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_know_what_comes_before_and_after() {
        let id = |n: &i32| *n;
        // The first page of three, more after it.
        let first = Paged::from_rows(vec![1, 2, 3, 4], 3, None, id).unwrap();
        assert_eq!(
            (first.rows, first.next, first.previous),
            (vec![1, 2, 3], Some(3), None)
        );
        // The last page: nothing after it.
        let last = Paged::from_rows(vec![7], 3, Some(&PageAt::After(6)), id).unwrap();
        assert_eq!(
            (last.rows, last.next, last.previous),
            (vec![7], None, Some(7))
        );
        // A previous page is read backwards and turned round.
        let back = Paged::from_rows(vec![6, 5, 4, 3], 3, Some(&PageAt::Before(7)), id).unwrap();
        assert_eq!(
            (back.rows, back.next, back.previous),
            (vec![4, 5, 6], Some(6), Some(4))
        );
        // One that reaches the start gives way to the first page.
        assert!(Paged::from_rows(vec![2, 1], 3, Some(&PageAt::Before(3)), id).is_none());
        // Read at a position, falling back to the first page.
        let all = [1, 2, 3, 4, 5];
        let read = |at: Option<&PageAt<i32>>| -> Result<Vec<i32>, ()> {
            Ok(match at {
                None => all[..4].to_vec(),
                Some(PageAt::Before(c)) => all
                    .iter()
                    .rev()
                    .filter(|n| *n < c)
                    .take(4)
                    .copied()
                    .collect(),
                Some(PageAt::After(c)) => all.iter().filter(|n| *n > c).take(4).copied().collect(),
            })
        };
        let start = Paged::read(3, Some(&PageAt::Before(3)), id, read).unwrap();
        assert_eq!((start.rows, start.previous), (vec![1, 2, 3], None));
        assert!(reads_descending::<i32>(Order::Descending, None));
        assert!(!reads_descending(
            Order::Descending,
            Some(&PageAt::Before(1))
        ));
        assert!(reads_descending(Order::Ascending, Some(&PageAt::Before(1))));
    }
}
