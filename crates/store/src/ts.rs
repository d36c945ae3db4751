//! Binding times so that both databases order and compare them correctly.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::PgArgumentBuffer;
use sqlx::sqlite::SqliteArgumentValue;
use sqlx::{Encode, Postgres, Sqlite, Type};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// A time to bind. SQLite stores times as text, and sqlx's own RFC 3339 text drops
/// trailing zeros of the fraction, so "…:00Z" would sort after "…:00.5Z". This type
/// writes a fixed-width UTC form with microseconds, which sorts and compares as the
/// times do; PostgreSQL gets a plain `timestamptz`. Reading back uses sqlx's own
/// `OffsetDateTime` decoding, which accepts this form.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ts(pub OffsetDateTime);

impl Ts {
    /// The text SQLite stores (through sqlx, and the writer's direct statements).
    pub(crate) fn sqlite_text(self) -> Result<String, time::error::Format> {
        self.0.to_offset(UtcOffset::UTC).format(SQLITE_FORMAT)
    }
}

const SQLITE_FORMAT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

impl Type<Sqlite> for Ts {
    fn type_info() -> sqlx::sqlite::SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
}

impl<'q> Encode<'q, Sqlite> for Ts {
    fn encode_by_ref(&self, buf: &mut Vec<SqliteArgumentValue<'q>>) -> Result<IsNull, BoxDynError> {
        Encode::<Sqlite>::encode(self.sqlite_text()?, buf)
    }
}

impl Type<Postgres> for Ts {
    fn type_info() -> sqlx::postgres::PgTypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Ts {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Postgres>::encode_by_ref(&self.0, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn sqlite_text_is_fixed_width_utc() {
        let a = datetime!(2026-11-23 10:00:00 +01:00)
            .to_offset(UtcOffset::UTC)
            .format(SQLITE_FORMAT)
            .unwrap();
        let b = datetime!(2026-11-23 09:00:00.5 UTC)
            .format(SQLITE_FORMAT)
            .unwrap();
        assert_eq!(a, "2026-11-23T09:00:00.000000Z");
        assert_eq!(b, "2026-11-23T09:00:00.500000Z");
        assert!(a < b);
    }
}
