//! Counting rows by month in one pass over a table, for the dashboard's charts: each row
//! falls in the month its start is in and, when it has one, the month its end is in; the
//! caller turns those pairs into "started in month k" or "alive at the end of month k".

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer};

use crate::db::DbConnection;

/// How many rows started in month `start` and ended in month `end`. Month k is the k-th of
/// the ends given, from the one before; `ends.len()` stands for "after the last end" (or
/// never, for an end that is NULL).
#[derive(Debug, Clone, Copy, QueryableByName)]
pub struct MonthPair {
    #[diesel(sql_type = Integer)]
    pub start: i32,
    #[diesel(sql_type = Integer)]
    pub end: i32,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// `CASE WHEN column < end_0 THEN 0 … ELSE n END`; NULL falls in the last bucket too.
fn bucket(column: &str, ends: &[NaiveDateTime]) -> String {
    let mut sql = String::from("CASE");
    for (k, end) in ends.iter().enumerate() {
        // Only dates this code formats go into the text.
        sql.push_str(&format!(
            " WHEN {column} < '{}' THEN {k}",
            end.format("%Y-%m-%d %H:%M:%S")
        ));
    }
    sql.push_str(&format!(" ELSE {} END", ends.len()));
    sql
}

/// The rows of `table` that meet `condition`, counted by the months of `start` and `end`
/// (a column or expression each; `end` "NULL" for rows that never end). `ends` are the
/// instants months end at, oldest first. Table, columns and condition are this crate's
/// constants, never input.
pub fn month_pairs(
    conn: &mut DbConnection,
    table: &str,
    start: &str,
    end: &str,
    condition: &str,
    ends: &[NaiveDateTime],
) -> QueryResult<Vec<MonthPair>> {
    diesel::sql_query(format!(
        "SELECT CAST({} AS INTEGER) AS start, CAST({} AS INTEGER) AS \"end\", COUNT(*) AS n \
         FROM {table} WHERE {condition} GROUP BY 1, 2",
        bucket(start, ends),
        bucket(end, ends)
    ))
    .load(conn)
}

/// Rows that started in each month: the month before `ends[0]` is not counted.
pub fn started_in(pairs: &[MonthPair], months: usize) -> Vec<i64> {
    let mut counts = vec![0; months];
    for pair in pairs {
        if let Some(n) = usize::try_from(pair.start)
            .ok()
            .filter(|k| *k >= 1)
            .and_then(|k| counts.get_mut(k - 1))
        {
            *n += pair.n;
        }
    }
    counts
}

/// Rows alive at each month's end: started before it and not ended by it.
pub fn alive_at(pairs: &[MonthPair], months: usize) -> Vec<i64> {
    (0..months)
        .map(|k| {
            let k = k as i32 + 1;
            pairs
                .iter()
                .filter(|p| p.start <= k && p.end > k)
                .map(|p| p.n)
                .sum()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(start: i32, end: i32, n: i64) -> MonthPair {
        MonthPair { start, end, n }
    }

    #[test]
    fn rows_count_in_the_month_they_started_and_while_they_lived() {
        // Ends: [e0, e1, e2, e3]; months counted: 1..=3 (between e0..e1, e1..e2, e2..e3).
        let pairs = [
            pair(0, 4, 5), // before the first month, never ended
            pair(1, 4, 2), // started in month 1
            pair(2, 3, 1), // started in month 2, ended in month 3
            pair(3, 4, 4), // started in month 3
        ];
        assert_eq!(started_in(&pairs, 3), vec![2, 1, 4]);
        assert_eq!(alive_at(&pairs, 3), vec![7, 8, 11]);
    }
}
