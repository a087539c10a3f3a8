// One portable schema for both engines. It matches what `diesel print-schema` prints for the
// PostgreSQL migrations; the SQLite migrations create the same columns (INTEGER ids read as BigInt).

diesel::table! {
    accounts (id) {
        id -> BigInt,
        client_id -> BigInt,
        provider_id -> BigInt,
        balance -> BigInt,
        credit_limit -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        at -> Timestamp,
        employee_id -> Nullable<BigInt>,
        user_id -> Nullable<BigInt>,
        client_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        object_type -> Text,
        object_id -> Nullable<BigInt>,
        changes -> Text,
        ip -> Text,
    }
}

diesel::table! {
    client_group_members (client_group_id, client_id) {
        client_group_id -> BigInt,
        client_id -> BigInt,
    }
}

diesel::table! {
    client_groups (id) {
        id -> BigInt,
        name -> Text,
        description -> Text,
        discount_bp -> Integer,
        created_at -> Timestamp,
        clients_may_suspend -> Bool,
    }
}

diesel::table! {
    clients (id) {
        id -> BigInt,
        name -> Text,
        kind -> Text,
        contact_person -> Text,
        phone -> Text,
        country -> Text,
        language -> Text,
        comment -> Text,
        enabled -> Bool,
        registered_by -> Nullable<BigInt>,
        registration_ip -> Text,
        created_at -> Timestamp,
        receives_mailings -> Bool,
    }
}

diesel::table! {
    companies (id) {
        id -> BigInt,
        legal_name -> Text,
        kind -> Text,
        tax_id -> Text,
        registration_number -> Text,
        legal_address -> Text,
        postal_address -> Text,
        bank_details -> Text,
        email -> Text,
        phone -> Text,
        created_at -> Timestamp,
        country -> Text,
        kpp -> Text,
        signatory_name -> Text,
        signatory_title -> Text,
        tax_mode -> Text,
        tax_rate_bp -> Integer,
        bill_due_days -> Integer,
        bill_prefix -> Text,
        act_prefix -> Text,
        credit_note_prefix -> Text,
        reconciliation_prefix -> Text,
    }
}

diesel::table! {
    company_providers (company_id, provider_id) {
        company_id -> BigInt,
        provider_id -> BigInt,
    }
}

diesel::table! {
    currencies (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        exponent -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    department_grants (department_id, permission) {
        department_id -> BigInt,
        permission -> Text,
    }
}

diesel::table! {
    department_members (department_id, employee_id) {
        department_id -> BigInt,
        employee_id -> BigInt,
    }
}

diesel::table! {
    departments (id) {
        id -> BigInt,
        name -> Text,
        shown_in_support -> Bool,
        business_hours -> Text,
        time_zone -> Text,
        created_at -> Timestamp,
        response_hours -> Integer,
        requires_two_factor -> Bool,
    }
}

diesel::table! {
    employee_grants (employee_id, permission) {
        employee_id -> BigInt,
        permission -> Text,
    }
}

diesel::table! {
    employees (id) {
        id -> BigInt,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        enabled -> Bool,
        is_superuser -> Bool,
        session_version -> BigInt,
        created_at -> Timestamp,
        last_sign_in_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    exchange_rates (id) {
        id -> BigInt,
        currency_id -> BigInt,
        quote_currency_id -> BigInt,
        rate_date -> Date,
        rate -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    messages (id) {
        id -> BigInt,
        client_id -> BigInt,
        subject -> Text,
        body -> Text,
        sent_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    email_confirmations (id) {
        id -> BigInt,
        user_id -> BigInt,
        email -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mailings (id) {
        id -> BigInt,
        subject -> Text,
        body -> Text,
        group_ids -> Text,
        provider_id -> Nullable<BigInt>,
        state -> Text,
        status -> Text,
        queued_up_to -> BigInt,
        recipients -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        queued_at -> Nullable<Timestamp>,
        sent -> BigInt,
        failed -> BigInt,
    }
}

diesel::table! {
    mail_templates (id) {
        id -> BigInt,
        notice -> Text,
        language -> Text,
        provider_id -> Nullable<BigInt>,
        subject -> Text,
        body -> Text,
        updated_by -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    money_figures (provider_id, span, starts) {
        provider_id -> BigInt,
        span -> Text,
        starts -> Date,
        received -> BigInt,
        payments -> BigInt,
        refunded -> BigInt,
        refunds -> BigInt,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        attempts -> Integer,
        last_error -> Text,
        document_id -> Nullable<BigInt>,
        status -> Text,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        claim -> Text,
        message_id -> Text,
        sender -> Text,
        mailing_id -> Nullable<BigInt>,
        unsubscribe -> Text,
    }
}

diesel::table! {
    payments (id) {
        id -> BigInt,
        client_id -> BigInt,
        account_id -> BigInt,
        payer_id -> BigInt,
        method -> Text,
        amount -> BigInt,
        status -> Text,
        comment -> Text,
        idempotency_key -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        paid_at -> Nullable<Timestamp>,
        payment_method_id -> Nullable<BigInt>,
        refunded -> BigInt,
        payer_snapshot -> Text,
    }
}

diesel::table! {
    payment_methods (id) {
        id -> BigInt,
        name -> Text,
        kind -> Text,
        company_id -> BigInt,
        currency_id -> BigInt,
        min_amount -> Nullable<BigInt>,
        max_amount -> Nullable<BigInt>,
        enabled -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    payment_method_providers (payment_method_id, provider_id) {
        payment_method_id -> BigInt,
        provider_id -> BigInt,
    }
}

diesel::table! {
    payment_method_hidden_groups (payment_method_id, client_group_id) {
        payment_method_id -> BigInt,
        client_group_id -> BigInt,
    }
}

diesel::table! {
    gateway_events (id) {
        id -> BigInt,
        gateway -> Text,
        event_id -> Text,
        payment_id -> BigInt,
        outcome -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    ledger_entries (id) {
        id -> BigInt,
        account_id -> BigInt,
        amount -> BigInt,
        kind -> Text,
        payment_id -> Nullable<BigInt>,
        comment -> Text,
        employee_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        expense_id -> Nullable<BigInt>,
        idempotency_key -> Nullable<Text>,
    }
}

diesel::table! {
    services (id) {
        id -> BigInt,
        client_id -> BigInt,
        account_id -> BigInt,
        tariff_id -> BigInt,
        period_months -> Integer,
        price -> BigInt,
        order_cost -> BigInt,
        status -> Text,
        auto_renew -> Bool,
        anchor_at -> Nullable<Timestamp>,
        paid_months -> Integer,
        paid_until -> Nullable<Timestamp>,
        suspended_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
        order_key -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    service_events (id) {
        id -> BigInt,
        service_id -> BigInt,
        event -> Text,
        status -> Text,
        detail -> Text,
        actor -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    expenses (id) {
        id -> BigInt,
        client_id -> BigInt,
        account_id -> BigInt,
        service_id -> Nullable<BigInt>,
        kind -> Text,
        amount -> BigInt,
        period_start -> Nullable<Timestamp>,
        period_end -> Nullable<Timestamp>,
        comment -> Text,
        employee_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    service_notices (service_id, paid_until, days_before) {
        service_id -> BigInt,
        paid_until -> Timestamp,
        days_before -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    product_types (id) {
        id -> BigInt,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tariffs (id) {
        id -> BigInt,
        provider_id -> BigInt,
        product_type_id -> BigInt,
        name -> Text,
        description -> Text,
        price_1 -> Nullable<BigInt>,
        price_3 -> Nullable<BigInt>,
        price_6 -> Nullable<BigInt>,
        price_12 -> Nullable<BigInt>,
        setup_fee -> BigInt,
        orderable -> Bool,
        per_client_limit -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tariff_hidden_groups (tariff_id, client_group_id) {
        tariff_id -> BigInt,
        client_group_id -> BigInt,
    }
}

diesel::table! {
    payers (id) {
        id -> BigInt,
        client_id -> BigInt,
        kind -> Text,
        name -> Text,
        email -> Text,
        phone -> Text,
        country -> Text,
        postal_address -> Text,
        legal_address -> Text,
        tax_id -> Text,
        registration_number -> Text,
        contact_person -> Text,
        bank_details -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    providers (id) {
        id -> BigInt,
        name -> Text,
        currency_id -> BigInt,
        notification_email -> Text,
        site_url -> Text,
        time_zone -> Text,
        created_at -> Timestamp,
        deletion_days -> Integer,
        require_confirmed_email -> Bool,
        registration_default -> Bool,
        self_service -> Bool,
    }
}

diesel::table! {
    sign_in_throttles (key) {
        key -> Text,
        failures -> Integer,
        first_failed_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    tickets (id) {
        id -> BigInt,
        client_id -> BigInt,
        department_id -> BigInt,
        subject -> Text,
        status -> Text,
        assigned_to -> Nullable<BigInt>,
        waiting_since -> Nullable<Timestamp>,
        client_unread -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
        service_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    ticket_messages (id) {
        id -> BigInt,
        ticket_id -> BigInt,
        user_id -> Nullable<BigInt>,
        employee_id -> Nullable<BigInt>,
        author -> Text,
        body -> Text,
        internal -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    canned_replies (id) {
        id -> BigInt,
        title -> Text,
        body -> Text,
        department_id -> Nullable<BigInt>,
        employee_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    user_grants (user_id, permission) {
        user_id -> BigInt,
        permission -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        client_id -> BigInt,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        is_owner -> Bool,
        enabled -> Bool,
        session_version -> BigInt,
        created_at -> Timestamp,
        last_sign_in_at -> Nullable<Timestamp>,
        email_confirmed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        key_hash -> Text,
        employee_id -> Nullable<BigInt>,
        user_id -> Nullable<BigInt>,
        user_agent -> Text,
        ip -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    two_factor (id) {
        id -> BigInt,
        employee_id -> Nullable<BigInt>,
        user_id -> Nullable<BigInt>,
        secret -> Text,
        confirmed_at -> Nullable<Timestamp>,
        last_step -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> BigInt,
        two_factor_id -> BigInt,
        code_hash -> Text,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    pending_registrations (id) {
        id -> BigInt,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        provider_id -> BigInt,
        token_hash -> Text,
        ip -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    password_resets (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> Nullable<BigInt>,
        employee_id -> Nullable<BigInt>,
        ip -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    user_invitations (id) {
        id -> BigInt,
        client_id -> BigInt,
        email -> Text,
        name -> Text,
        sections -> Text,
        token_hash -> Text,
        invited_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    document_sequences (company_id, kind, year) {
        company_id -> BigInt,
        kind -> Text,
        year -> Integer,
        last_number -> BigInt,
    }
}

diesel::table! {
    documents (id) {
        id -> BigInt,
        kind -> Text,
        number -> Text,
        year -> Integer,
        sequence -> BigInt,
        company_id -> BigInt,
        payer_id -> BigInt,
        client_id -> BigInt,
        currency_code -> Text,
        currency_exponent -> Integer,
        issued_on -> Date,
        due_on -> Nullable<Date>,
        period_start -> Nullable<Date>,
        period_end -> Nullable<Date>,
        payment_id -> Nullable<BigInt>,
        related_id -> Nullable<BigInt>,
        total -> BigInt,
        tax -> BigInt,
        tax_label -> Text,
        opening -> BigInt,
        status -> Text,
        cancel_reason -> Text,
        company_snapshot -> Text,
        payer_snapshot -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    document_lines (id) {
        id -> BigInt,
        document_id -> BigInt,
        position -> Integer,
        line_date -> Nullable<Date>,
        description -> Text,
        quantity -> Integer,
        unit_price -> BigInt,
        amount -> BigInt,
        credit -> BigInt,
        expense_id -> Nullable<BigInt>,
    }
}

diesel::joinable!(accounts -> clients (client_id));
diesel::joinable!(documents -> clients (client_id));
diesel::joinable!(documents -> companies (company_id));
diesel::joinable!(documents -> payers (payer_id));
diesel::joinable!(document_lines -> documents (document_id));
diesel::joinable!(document_sequences -> companies (company_id));
diesel::joinable!(accounts -> providers (provider_id));
diesel::joinable!(money_figures -> providers (provider_id));
diesel::joinable!(client_group_members -> client_groups (client_group_id));
diesel::joinable!(client_group_members -> clients (client_id));
diesel::joinable!(company_providers -> companies (company_id));
diesel::joinable!(company_providers -> providers (provider_id));
diesel::joinable!(department_grants -> departments (department_id));
diesel::joinable!(department_members -> departments (department_id));
diesel::joinable!(department_members -> employees (employee_id));
diesel::joinable!(employee_grants -> employees (employee_id));
diesel::joinable!(payers -> clients (client_id));
diesel::joinable!(messages -> clients (client_id));
diesel::joinable!(payments -> clients (client_id));
diesel::joinable!(payments -> accounts (account_id));
diesel::joinable!(payments -> payers (payer_id));
diesel::joinable!(ledger_entries -> accounts (account_id));
diesel::joinable!(payments -> payment_methods (payment_method_id));
diesel::joinable!(payment_methods -> companies (company_id));
diesel::joinable!(payment_methods -> currencies (currency_id));
diesel::joinable!(payment_method_providers -> payment_methods (payment_method_id));
diesel::joinable!(payment_method_providers -> providers (provider_id));
diesel::joinable!(payment_method_hidden_groups -> payment_methods (payment_method_id));
diesel::joinable!(gateway_events -> payments (payment_id));
diesel::joinable!(tariffs -> providers (provider_id));
diesel::joinable!(tariffs -> product_types (product_type_id));
diesel::joinable!(tariff_hidden_groups -> tariffs (tariff_id));
diesel::joinable!(services -> clients (client_id));
diesel::joinable!(services -> accounts (account_id));
diesel::joinable!(services -> tariffs (tariff_id));
diesel::joinable!(service_events -> services (service_id));
diesel::joinable!(expenses -> services (service_id));
diesel::joinable!(expenses -> accounts (account_id));
diesel::joinable!(expenses -> clients (client_id));
diesel::joinable!(tickets -> clients (client_id));
diesel::joinable!(tickets -> departments (department_id));
diesel::joinable!(ticket_messages -> tickets (ticket_id));
diesel::joinable!(providers -> currencies (currency_id));
diesel::joinable!(user_grants -> users (user_id));
diesel::joinable!(users -> clients (client_id));
diesel::joinable!(clients -> employees (registered_by));
diesel::joinable!(sessions -> employees (employee_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(recovery_codes -> two_factor (two_factor_id));
diesel::joinable!(user_invitations -> clients (client_id));

diesel::allow_tables_to_appear_in_same_query!(
    accounts,
    audit_events,
    client_group_members,
    client_groups,
    clients,
    companies,
    company_providers,
    currencies,
    department_grants,
    department_members,
    departments,
    employee_grants,
    employees,
    exchange_rates,
    ledger_entries,
    messages,
    outbox,
    payers,
    payments,
    payment_methods,
    payment_method_providers,
    payment_method_hidden_groups,
    gateway_events,
    product_types,
    providers,
    sign_in_throttles,
    services,
    service_events,
    service_notices,
    expenses,
    tariffs,
    tariff_hidden_groups,
    tickets,
    ticket_messages,
    canned_replies,
    user_grants,
    users,
    sessions,
    two_factor,
    recovery_codes,
    settings,
    pending_registrations,
    password_resets,
    mail_templates,
    mailings,
    money_figures,
    email_confirmations,
    user_invitations,
    document_sequences,
    documents,
    document_lines,
);
