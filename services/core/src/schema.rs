//! Diesel's view of the tables in `migrations/`. Written by hand to match the SQL;
//! the integration tests exercise every column.

diesel::table! {
    sectors (code) {
        code -> Text,
        name_id -> Text,
        name_en -> Text,
    }
}

diesel::table! {
    units (code) {
        code -> Text,
        region_code -> Text,
        display_name -> Text,
        version -> BigInt,
        create_time -> Timestamptz,
        update_time -> Timestamptz,
    }
}

diesel::table! {
    agreements (id) {
        id -> Uuid,
        region_code -> Text,
        title -> Text,
        cooperation_type -> Text,
        document_kind -> Text,
        parent_id -> Nullable<Uuid>,
        unit_code -> Text,
        sector -> Text,
        ksdd_basis -> Nullable<Text>,
        document_number -> Text,
        objective -> Text,
        signed_on -> Nullable<Date>,
        effective_from -> Nullable<Date>,
        effective_until -> Nullable<Date>,
        dprd_approval_required -> Bool,
        budget_idr -> Nullable<BigInt>,
        version -> BigInt,
        create_time -> Timestamptz,
        update_time -> Timestamptz,
        delete_time -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    agreement_parties (agreement_id, position) {
        agreement_id -> Uuid,
        position -> SmallInt,
        region_code -> Text,
        name -> Text,
        kind -> Text,
        party_region_code -> Nullable<Text>,
        country_code -> Nullable<Text>,
        document_number -> Text,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Uuid,
        region_code -> Nullable<Text>,
        name -> Text,
        role -> Text,
        unit_code -> Nullable<Text>,
        secret_sha256 -> Bytea,
        create_time -> Timestamptz,
        revoke_time -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        region_code -> Nullable<Text>,
        occurred_at -> Timestamptz,
        actor -> Text,
        action -> Text,
        resource -> Text,
        before -> Nullable<Jsonb>,
        after -> Nullable<Jsonb>,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    create_requests (method, request_id) {
        method -> Text,
        request_id -> Uuid,
        region_code -> Text,
        actor -> Text,
        request_hash -> Text,
        resource -> Text,
        create_time -> Timestamptz,
    }
}

diesel::table! {
    report_runs (id) {
        id -> Uuid,
        region_code -> Nullable<Text>,
        as_of -> Date,
        period_start -> Date,
        period_end -> Date,
        state -> Text,
        error -> Nullable<Text>,
        files -> Array<Text>,
        output_dir -> Text,
        requested_by -> Text,
        create_time -> Timestamptz,
        finish_time -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(agreement_parties -> agreements (agreement_id));
diesel::joinable!(agreements -> units (unit_code));
diesel::allow_tables_to_appear_in_same_query!(agreements, agreement_parties, units, sectors);
