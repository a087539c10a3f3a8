//! Typed ids: a `PayerId` cannot be passed where a `ClientId` is expected. Each is stored as
//! BIGINT and works as a diesel value on both engines, as a path segment and as a form field.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::BigInt;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
            diesel::AsExpression, diesel::FromSqlRow,
        )]
        #[serde(transparent)]
        #[diesel(sql_type = BigInt)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        /// Digits only: pages write ids without escaping them.
        impl askama::filters::HtmlSafe for $name {}

        /// Pages write ids as askama writes integers, without `fmt`'s machinery.
        impl askama::FastWritable for $name {
            fn write_into(
                &self,
                dest: &mut dyn std::fmt::Write,
                values: &dyn askama::Values,
            ) -> askama::Result<()> {
                self.0.write_into(dest, values)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim().parse().map($name)
            }
        }

        impl<DB> FromSql<BigInt, DB> for $name
        where
            DB: Backend,
            i64: FromSql<BigInt, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                i64::from_sql(bytes).map($name)
            }
        }

        impl<DB> ToSql<BigInt, DB> for $name
        where
            DB: Backend,
            i64: ToSql<BigInt, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.0.to_sql(out)
            }
        }
    )*};
}

id_type!(
    AccountId,
    AuditEventId,
    CannedReplyId,
    ClientGroupId,
    ClientId,
    CompanyId,
    CurrencyId,
    DepartmentId,
    ExchangeRateId,
    EmailConfirmationId,
    MailTemplateId,
    MailingId,
    MessageId,
    OutboxId,
    PaymentId,
    PaymentMethodId,
    GatewayEventId,
    ProductTypeId,
    TariffId,
    LedgerEntryId,
    EmployeeId,
    PayerId,
    ProviderId,
    ServiceEventId,
    ServiceId,
    ExpenseId,
    TicketId,
    TicketMessageId,
    SessionId,
    TwoFactorId,
    RecoveryCodeId,
    PendingRegistrationId,
    PasswordResetId,
    InvitationId,
    DocumentId,
    DocumentLineId,
    UserId,
);

/// Someone who signs in: an employee or a client user (whose sessions, whose second
/// factor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PersonId {
    Employee(EmployeeId),
    User(UserId),
}
