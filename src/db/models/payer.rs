//! The `payers` table: the parties financial operations of a client are linked to.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::payers;
use crate::ids::{ClientId, PayerId};

#[derive(Debug, Clone, Queryable, Identifiable)]
#[diesel(table_name = payers)]
pub struct Payer {
    pub id: PayerId,
    pub client_id: ClientId,
    /// `individual`, `sole_proprietor` or `legal_entity`.
    pub kind: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub country: String,
    pub postal_address: String,
    pub legal_address: String,
    pub tax_id: String,
    pub registration_number: String,
    pub contact_person: String,
    pub bank_details: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = payers)]
pub struct PayerFields<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub country: &'a str,
    pub postal_address: &'a str,
    pub legal_address: &'a str,
    pub tax_id: &'a str,
    pub registration_number: &'a str,
    pub contact_person: &'a str,
    pub bank_details: &'a str,
}

impl Payer {
    pub fn of_client(conn: &mut DbConnection, client_id: ClientId) -> QueryResult<Vec<Payer>> {
        crate::db::on_engine!(conn, |c| payers::table
            .filter(payers::client_id.eq(client_id))
            .order((payers::name, payers::id))
            .load(c))
    }

    /// Any payer, for staff pages and act generation.
    pub fn find(conn: &mut DbConnection, id: PayerId) -> QueryResult<Option<Payer>> {
        crate::db::on_engine!(conn, |c| payers::table.find(id).first(c).optional())
    }

    /// One payer of the client; another client's id finds nothing.
    pub fn find_of_client(
        conn: &mut DbConnection,
        client_id: ClientId,
        id: PayerId,
    ) -> QueryResult<Option<Payer>> {
        crate::db::on_engine!(conn, |c| payers::table
            .filter(payers::client_id.eq(client_id))
            .filter(payers::id.eq(id))
            .first(c)
            .optional())
    }

    pub fn insert(
        conn: &mut DbConnection,
        client_id: ClientId,
        fields: &PayerFields<'_>,
        now: NaiveDateTime,
    ) -> QueryResult<Payer> {
        diesel::insert_into(payers::table)
            .values((
                payers::client_id.eq(client_id),
                fields,
                payers::created_at.eq(now),
            ))
            .returning(payers::all_columns)
            .get_result(conn)
    }

    pub fn update(
        conn: &mut DbConnection,
        id: PayerId,
        fields: &PayerFields<'_>,
    ) -> QueryResult<Payer> {
        diesel::update(payers::table.find(id))
            .set(fields)
            .returning(payers::all_columns)
            .get_result(conn)
    }

    pub fn delete(conn: &mut DbConnection, id: PayerId) -> QueryResult<usize> {
        diesel::delete(payers::table.find(id)).execute(conn)
    }
}
