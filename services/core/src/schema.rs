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
        process_started_on -> Nullable<Date>,
        terminated_on -> Nullable<Date>,
        termination_reason -> Nullable<Text>,
        cancelled_on -> Nullable<Date>,
        cancellation_reason -> Nullable<Text>,
        reporting_cycle -> Text,
        public_in_full -> Bool,
        reports_owed_from -> Nullable<Date>,
        search_text -> Text,
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
        start_time -> Nullable<Timestamptz>,
        report_grace_days -> Integer,
        software_version -> Text,
        schedule_id -> Nullable<Uuid>,
        scheduled_for -> Nullable<Timestamptz>,
        tables -> Array<Text>,
        attempts -> Integer,
        max_attempts -> Integer,
        lease_owner -> Nullable<Text>,
        lease_expires_at -> Nullable<Timestamptz>,
        public_register -> Bool,
    }
}

diesel::table! {
    report_schedules (id) {
        id -> Uuid,
        region_code -> Nullable<Text>,
        display_name -> Text,
        cron -> Text,
        time_zone -> Text,
        period_rule -> Text,
        tables -> Array<Text>,
        keep_runs -> Integer,
        report_grace_days -> Integer,
        enabled -> Bool,
        version -> BigInt,
        create_time -> Timestamptz,
        update_time -> Timestamptz,
        delete_time -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    stage_definitions (code) {
        code -> Text,
        name_id -> Text,
        name_en -> Text,
        signs -> Bool,
        dprd -> Bool,
    }
}

diesel::table! {
    stage_templates (cooperation_type, document_kind, with_parent, stage_code) {
        cooperation_type -> Text,
        document_kind -> Text,
        with_parent -> Bool,
        position -> SmallInt,
        stage_code -> Text,
        target_days -> Integer,
        skippable -> Bool,
        update_time -> Timestamptz,
    }
}

diesel::table! {
    agreement_stages (agreement_id, code) {
        agreement_id -> Uuid,
        region_code -> Text,
        position -> SmallInt,
        code -> Text,
        status -> Text,
        skippable -> Bool,
        started_on -> Nullable<Date>,
        sla_due_on -> Nullable<Date>,
        completed_on -> Nullable<Date>,
        skip_reason -> Nullable<Text>,
        backfilled -> Bool,
        notes -> Text,
        evidence_document_id -> Nullable<Uuid>,
        version -> BigInt,
        update_time -> Timestamptz,
        assumed_by -> Nullable<Text>,
    }
}

diesel::table! {
    stage_reschedules (id) {
        id -> BigInt,
        agreement_id -> Uuid,
        stage_code -> Text,
        region_code -> Text,
        decided_on -> Date,
        previous_due_on -> Date,
        new_due_on -> Date,
        reason -> Text,
        actor -> Text,
        create_time -> Timestamptz,
    }
}

diesel::table! {
    measurement_units (code) {
        code -> Text,
        name -> Text,
        name_id -> Text,
    }
}

diesel::table! {
    benefit_indicators (id) {
        id -> Uuid,
        agreement_id -> Uuid,
        region_code -> Text,
        title -> Text,
        category -> Text,
        unit_of_measure -> Text,
        beneficiary -> Text,
        baseline -> Nullable<Numeric>,
        target_value -> Nullable<Numeric>,
        target_date -> Nullable<Date>,
        higher_is_better -> Bool,
        version -> BigInt,
        create_time -> Timestamptz,
        update_time -> Timestamptz,
        delete_time -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    benefit_realisations (id) {
        id -> Uuid,
        indicator_id -> Uuid,
        agreement_id -> Uuid,
        region_code -> Text,
        period_start -> Date,
        period_end -> Date,
        value -> Numeric,
        note -> Text,
        evidence_document_id -> Nullable<Uuid>,
        reported_by -> Text,
        version -> BigInt,
        create_time -> Timestamptz,
        update_time -> Timestamptz,
        delete_time -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    implementation_reports (id) {
        id -> Uuid,
        agreement_id -> Uuid,
        region_code -> Text,
        cycle_start -> Date,
        cycle_end -> Date,
        submitted_on -> Date,
        summary -> Text,
        progress_percent -> Nullable<SmallInt>,
        obstacles -> Text,
        follow_up -> Text,
        document_id -> Nullable<Uuid>,
        reported_by -> Text,
        create_time -> Timestamptz,
        delete_time -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    document_files (document_id, version) {
        document_id -> Uuid,
        version -> Int4,
        region_code -> Text,
        sha256 -> Text,
        size_bytes -> BigInt,
        media_type -> Text,
        file_name -> Text,
        uploaded_by -> Text,
        create_time -> Timestamptz,
        scan_status -> Text,
        scan_signature -> Nullable<Text>,
        scan_time -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    /// The text of each stored file (the `search` tsvector is generated by
    /// PostgreSQL and read only in SQL).
    document_texts (document_id, version) {
        document_id -> Uuid,
        version -> Int4,
        region_code -> Text,
        body -> Nullable<Text>,
    }
}

diesel::table! {
    agreement_documents (id) {
        id -> Uuid,
        agreement_id -> Uuid,
        region_code -> Text,
        kind -> Text,
        number -> Text,
        document_date -> Nullable<Date>,
        title -> Text,
        uri -> Text,
        sha256 -> Nullable<Text>,
        size_bytes -> Nullable<BigInt>,
        create_time -> Timestamptz,
        delete_time -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    evaluation_meetings (id) {
        id -> Uuid,
        region_code -> Text,
        held_on -> Date,
        period_start -> Date,
        period_end -> Date,
        title -> Text,
        participant_units -> Array<Text>,
        notes -> Text,
        create_time -> Timestamptz,
        delete_time -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    meeting_findings (id) {
        id -> Uuid,
        meeting_id -> Uuid,
        region_code -> Text,
        agreement_id -> Nullable<Uuid>,
        description -> Text,
        position -> SmallInt,
    }
}

diesel::table! {
    recommendations (id) {
        id -> Uuid,
        finding_id -> Uuid,
        meeting_id -> Uuid,
        region_code -> Text,
        description -> Text,
        responsible_unit -> Text,
        due_on -> Date,
        status -> Text,
        version -> BigInt,
    }
}

diesel::table! {
    recommendation_status_changes (id) {
        id -> BigInt,
        recommendation_id -> Uuid,
        region_code -> Text,
        status -> Text,
        changed_on -> Date,
        reason -> Nullable<Text>,
        actor -> Text,
        create_time -> Timestamptz,
    }
}

diesel::table! {
    server_keys (name) {
        name -> Text,
        region_code -> Nullable<Text>,
        key -> Bytea,
        create_time -> Timestamptz,
    }
}

diesel::table! {
    import_runs (id) {
        id -> Uuid,
        region_code -> Text,
        state -> Text,
        validate_only -> Bool,
        actor -> Text,
        request_id -> Nullable<Uuid>,
        file_names -> Array<Text>,
        file_bytes -> BigInt,
        rows_total -> BigInt,
        rows_processed -> BigInt,
        created -> BigInt,
        updated -> BigInt,
        unchanged -> BigInt,
        conflicting -> BigInt,
        problem_count -> BigInt,
        lines_not_listed -> BigInt,
        error -> Nullable<Text>,
        heartbeat_at -> Timestamptz,
        committed_by -> Nullable<Text>,
        commit_time -> Nullable<Timestamptz>,
        version -> BigInt,
        create_time -> Timestamptz,
        update_time -> Timestamptz,
        history_from -> Nullable<Date>,
        assumed -> BigInt,
    }
}

diesel::table! {
    import_files (run_id, position) {
        run_id -> Uuid,
        position -> SmallInt,
        region_code -> Text,
        name -> Text,
        content -> Bytea,
    }
}

diesel::table! {
    import_rows (run_id, seq) {
        run_id -> Uuid,
        seq -> Integer,
        region_code -> Text,
        sheet -> Text,
        row_number -> Nullable<Integer>,
        column_name -> Nullable<Text>,
        value -> Text,
        outcome -> Text,
        message_id -> Text,
        message_en -> Text,
    }
}

diesel::table! {
    digest_recipients (id) {
        id -> Uuid,
        region_code -> Text,
        unit_code -> Nullable<Text>,
        channel -> Text,
        address -> Text,
        display_name -> Text,
        secret -> Nullable<Text>,
        version -> BigInt,
        create_time -> Timestamptz,
        update_time -> Timestamptz,
        delete_time -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    digest_schedules (id) {
        id -> Uuid,
        region_code -> Text,
        display_name -> Text,
        cron -> Text,
        time_zone -> Text,
        enabled -> Bool,
        after_report_runs -> Bool,
        version -> BigInt,
        create_time -> Timestamptz,
        update_time -> Timestamptz,
        delete_time -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    digest_ticks (tick) {
        tick -> Text,
        region_code -> Text,
        schedule_id -> Nullable<Uuid>,
        scheduled_for -> Timestamptz,
        as_of -> Date,
        create_time -> Timestamptz,
    }
}

diesel::table! {
    digest_deliveries (id) {
        id -> Uuid,
        region_code -> Text,
        tick -> Text,
        recipient_id -> Uuid,
        unit_code -> Nullable<Text>,
        channel -> Text,
        address -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        payload -> Jsonb,
        state -> Text,
        attempts -> Integer,
        max_attempts -> Integer,
        next_attempt_at -> Timestamptz,
        lease_owner -> Nullable<Text>,
        lease_expires_at -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamptz>,
        create_time -> Timestamptz,
        update_time -> Timestamptz,
    }
}

diesel::joinable!(agreement_parties -> agreements (agreement_id));
diesel::joinable!(agreements -> units (unit_code));
diesel::joinable!(agreement_stages -> stage_definitions (code));
diesel::joinable!(stage_templates -> stage_definitions (stage_code));
diesel::allow_tables_to_appear_in_same_query!(
    agreements,
    agreement_documents,
    document_files,
    agreement_parties,
    units,
    sectors,
    agreement_stages,
    stage_definitions,
    stage_templates,
    stage_reschedules,
    evaluation_meetings,
    meeting_findings,
    recommendations,
    recommendation_status_changes,
    benefit_indicators,
    benefit_realisations,
);
