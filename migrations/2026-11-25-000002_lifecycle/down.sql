DROP INDEX audit_events_resource_prefix_idx;
DROP TABLE recommendation_status_changes;
DROP TABLE recommendations;
DROP TABLE meeting_findings;
DROP TABLE evaluation_meetings;
DROP TABLE agreement_documents;
DROP TABLE implementation_reports;
DROP TABLE benefit_realisations;
DROP TABLE benefit_indicators;
DROP TABLE measurement_units;
DROP TABLE stage_reschedules;
DROP TABLE agreement_stages;
DROP TABLE stage_templates;
DROP TABLE stage_definitions;
DROP FUNCTION agreement_state(date, date, date, date, date, date);
ALTER TABLE agreements
    DROP COLUMN process_started_on, DROP COLUMN terminated_on, DROP COLUMN termination_reason,
    DROP COLUMN cancelled_on, DROP COLUMN cancellation_reason, DROP COLUMN reporting_cycle;
CREATE FUNCTION agreement_state(signed_on date, effective_until date, as_of date)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN signed_on IS NULL OR signed_on > as_of THEN 'DRAFT'
        WHEN effective_until IS NOT NULL AND effective_until < as_of THEN 'EXPIRED'
        ELSE 'ACTIVE'
    END
$$;
