-- Three of the report's metric families written as plain SQL, as of
-- 2026-09-30 for Q3 2026, over the whole register: a yardstick for the polars
-- job (scripts/bench times this file beside `kerjasama report run`). They
-- follow docs/metrics.md in shape, not in every rule (the report-cycle,
-- follow-up and ageing families are not here), so the job ÷ SQL figure is
-- indicative only.

-- counts_by_type: agreements per cooperation type and state; signed in the period.
SELECT cooperation_type,
       count(*) FILTER (WHERE s = 'DRAFT') AS draft,
       count(*) FILTER (WHERE s = 'IN_PROCESS') AS in_process,
       count(*) FILTER (WHERE s = 'ACTIVE') AS active,
       count(*) FILTER (WHERE s = 'EXPIRED') AS expired,
       count(*) FILTER (WHERE s = 'TERMINATED') AS terminated,
       count(*) FILTER (WHERE s = 'CANCELLED') AS cancelled,
       count(*) AS total,
       count(*) FILTER (WHERE signed_on BETWEEN '2026-07-01' AND '2026-09-30') AS signed_in_period
FROM (SELECT cooperation_type, signed_on,
             agreement_state(signed_on, effective_until, process_started_on, terminated_on,
                             cancelled_on, '2026-09-30') AS s
      FROM agreements WHERE delete_time IS NULL) a
GROUP BY cooperation_type ORDER BY cooperation_type;

-- renewal_watch: agreements in force ending within 180 days, or past their end.
SELECT 'agreements/' || id AS agreement, title, cooperation_type, document_kind, unit_code,
       effective_until, effective_until - date '2026-09-30' AS days_to_end
FROM agreements
WHERE delete_time IS NULL AND document_kind <> 'ADDENDUM'
  AND agreement_state(signed_on, effective_until, process_started_on, terminated_on, cancelled_on,
                      '2026-09-30') IN ('ACTIVE', 'EXPIRED')
  AND effective_until <= date '2026-09-30' + 180
ORDER BY effective_until, id;

-- realised_benefits: per live indicator, its target and what was realised to
-- date and in the period (periods ending by the as-of date).
SELECT i.agreement_id, i.id, i.title, i.unit_of_measure, i.target_value,
       coalesce(sum(r.value) FILTER (WHERE r.period_end <= '2026-09-30'), 0) AS realised_to_date,
       coalesce(sum(r.value) FILTER (WHERE r.period_end BETWEEN '2026-07-01' AND '2026-09-30'), 0)
           AS realised_in_period
FROM benefit_indicators i
JOIN agreements a ON a.id = i.agreement_id AND a.delete_time IS NULL
LEFT JOIN benefit_realisations r ON r.indicator_id = i.id AND r.delete_time IS NULL
WHERE i.delete_time IS NULL
GROUP BY i.agreement_id, i.id
ORDER BY i.agreement_id, i.id;
