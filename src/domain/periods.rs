//! Billing periods on the calendar of the provider's time zone. A service's periods count
//! from its anchor: the end of the n-th month is the anchor's day n months later, or the
//! last day of that month when it is shorter (31 January + 1 month = 28 or 29 February;
//! 29 February + 12 months = 28 February). Counting from the anchor, not from the previous
//! end, keeps a service started on the 31st renewing on month ends.

use chrono::{Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

/// `date` plus `months` calendar months, the day clamped to the month's last day.
pub fn add_months(date: NaiveDate, months: i32) -> NaiveDate {
    let total = date.year() * 12 + date.month0() as i32 + months;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12) as u32);
    let last = last_day_of_month(year, month0 + 1);
    NaiveDate::from_ymd_opt(year, month0 + 1, date.day().min(last)).unwrap_or(date)
}

fn last_day_of_month(year: i32, month: u32) -> u32 {
    let (next_year, next_month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(next_year, next_month, 1)
        .and_then(|d| d.pred_opt())
        .map_or(28, |d| d.day())
}

/// The UTC instant `months` months after the UTC instant `anchor`, counted on the wall
/// clock of `zone`. A wall time that does not exist (a spring-forward gap) moves an hour
/// on; one that exists twice takes the earlier.
pub fn add_months_in(anchor: NaiveDateTime, months: i32, zone: Tz) -> NaiveDateTime {
    let local = zone.from_utc_datetime(&anchor).naive_local();
    let target = add_months(local.date(), months).and_time(local.time());
    match zone.from_local_datetime(&target) {
        LocalResult::Single(t) => t.naive_utc(),
        LocalResult::Ambiguous(earlier, _) => earlier.naive_utc(),
        LocalResult::None => zone
            .from_local_datetime(&(target + Duration::hours(1)))
            .earliest()
            .map_or(target, |t| t.naive_utc()),
    }
}

/// A time zone name as stored on a provider; UTC when it is not one chrono-tz knows.
pub fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(Tz::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn month_ends_clamp_to_the_shorter_month() {
        assert_eq!(add_months(d(2026, 1, 31), 1), d(2026, 2, 28));
        assert_eq!(add_months(d(2028, 1, 31), 1), d(2028, 2, 29));
        assert_eq!(add_months(d(2026, 1, 31), 2), d(2026, 3, 31));
        assert_eq!(add_months(d(2026, 3, 31), 1), d(2026, 4, 30));
        assert_eq!(add_months(d(2026, 8, 31), 6), d(2027, 2, 28));
        assert_eq!(add_months(d(2026, 1, 15), 1), d(2026, 2, 15));
    }

    #[test]
    fn years_cross_and_leap_days_fall_back() {
        assert_eq!(add_months(d(2028, 2, 29), 12), d(2029, 2, 28));
        assert_eq!(add_months(d(2028, 2, 29), 48), d(2032, 2, 29));
        assert_eq!(add_months(d(2026, 11, 30), 3), d(2027, 2, 28));
        assert_eq!(add_months(d(2026, 12, 31), 1), d(2027, 1, 31));
        assert_eq!(add_months(d(2026, 3, 10), -3), d(2025, 12, 10));
    }

    #[test]
    fn periods_follow_the_providers_calendar_not_utcs() {
        // 31 January 22:00 in Moscow is 19:00 UTC; a month later is 28 February 22:00
        // in Moscow.
        let anchor = d(2026, 1, 31).and_hms_opt(19, 0, 0).unwrap();
        let moscow: Tz = "Europe/Moscow".parse().unwrap();
        assert_eq!(
            add_months_in(anchor, 1, moscow),
            d(2026, 2, 28).and_hms_opt(19, 0, 0).unwrap()
        );
        // 30 January 22:00 UTC is already 31 January 01:00 in Moscow: there the month
        // ends on the last of February at 01:00, a day earlier than counted in UTC.
        let anchor = d(2026, 1, 30).and_hms_opt(22, 0, 0).unwrap();
        assert_eq!(
            add_months_in(anchor, 1, moscow),
            d(2026, 2, 27).and_hms_opt(22, 0, 0).unwrap()
        );
        assert_eq!(
            add_months_in(anchor, 1, Tz::UTC),
            d(2026, 2, 28).and_hms_opt(22, 0, 0).unwrap()
        );
    }

    #[test]
    fn daylight_saving_keeps_the_wall_clock() {
        // 10:00 in Berlin on 15 March (UTC+1) is 09:00 UTC; on 15 April (UTC+2) 08:00 UTC.
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let anchor = d(2026, 3, 15).and_hms_opt(9, 0, 0).unwrap();
        assert_eq!(
            add_months_in(anchor, 1, berlin),
            d(2026, 4, 15).and_hms_opt(8, 0, 0).unwrap()
        );
    }
}
