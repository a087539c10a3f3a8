//! `column IN (ids)` written as a statement that stays prepared.
//!
//! On SQLite, diesel's `eq_any` binds each id on its own, so the SQL text changes with the
//! number of ids and diesel never keeps the statement: every call parses and plans it
//! again. On a list page of 50 clients that was about half of the page's CPU time.
//! `in_ids` binds the whole list once instead, as a JSON array that SQLite reads with
//! `json_each`; the SQL text is the same for any number of ids, so the statement is
//! prepared once per connection and reused. On PostgreSQL it is `= ANY(array)`, as
//! diesel's own `eq_any` there.
//!
//! SQLite plans `IN (SELECT value FROM json_each(?))` as a list of unknown length (it
//! guesses 25); the queries that use it are driven by the ids, which `EXPLAIN QUERY PLAN`
//! shows as a search by primary key or by a `client_id` index.

use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Bool, Text};
use diesel::sqlite::Sqlite;
use diesel::{Column, QueryResult};

/// `column IN (ids)` for a BIGINT column; see the module comment.
#[derive(Debug, Clone)]
pub struct InIds<C> {
    column: C,
    ids: Vec<i64>,
    /// The same ids as a JSON array, the form SQLite binds.
    json: String,
}

/// Adds `.in_ids(ids)` to every BIGINT column.
pub trait InIdsExt: Column<SqlType = BigInt> + Sized {
    fn in_ids<I, T>(self, ids: I) -> InIds<Self>
    where
        I: IntoIterator<Item = T>,
        T: Into<i64>,
    {
        use std::fmt::Write;
        let ids: Vec<i64> = ids.into_iter().map(Into::into).collect();
        let mut json = String::with_capacity(ids.len() * 8 + 2);
        json.push('[');
        for (i, id) in ids.iter().enumerate() {
            let comma = if i > 0 { "," } else { "" };
            let _ = write!(json, "{comma}{id}");
        }
        json.push(']');
        InIds {
            column: self,
            ids,
            json,
        }
    }
}

impl<C: Column<SqlType = BigInt>> InIdsExt for C {}

impl<C: Expression> Expression for InIds<C> {
    type SqlType = Bool;
}

impl<C, QS> AppearsOnTable<QS> for InIds<C> where C: AppearsOnTable<QS> {}

impl<C, QS> SelectableExpression<QS> for InIds<C> where C: SelectableExpression<QS> {}

impl<C, GB> ValidGrouping<GB> for InIds<C>
where
    C: ValidGrouping<GB>,
{
    type IsAggregate = C::IsAggregate;
}

/// Marks the statement's shape; the ids themselves are only binds.
pub struct InIdsQuery<C>(std::marker::PhantomData<C>);

impl<C: QueryId> QueryId for InIds<C> {
    type QueryId = InIdsQuery<C::QueryId>;
    const HAS_STATIC_QUERY_ID: bool = C::HAS_STATIC_QUERY_ID;
}

impl<C: QueryFragment<Sqlite>> QueryFragment<Sqlite> for InIds<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, _>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C: QueryFragment<Pg>> QueryFragment<Pg> for InIds<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(");
        out.push_bind_param::<Array<BigInt>, _>(&self.ids)?;
        out.push_sql(")");
        Ok(())
    }
}

impl<C> QueryFragment<super::MultiBackend> for InIds<C>
where
    C: QueryFragment<Sqlite> + QueryFragment<Pg>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, super::MultiBackend>) -> QueryResult<()> {
        super::MultiBackend::walk_variant_ast(self, pass)
    }
}
