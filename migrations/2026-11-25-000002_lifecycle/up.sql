-- The agreement lifecycle: procedure stages from templates, termination and
-- cancellation, benefits planned and realised, implementation reports,
-- documents, evaluation meetings. Every business date is stored as data so the
-- reports can rebuild the register as of any past date.

-- Stages ---------------------------------------------------------------------

CREATE TABLE stage_definitions (
    code     text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z_]{1,63}$'),
    name_id  text NOT NULL,
    name_en  text NOT NULL,
    -- Completing this stage signs the record (its date is the signed date).
    signs    boolean NOT NULL DEFAULT false,
    -- Persetujuan DPRD: NOT_APPLICABLE unless the agreement requires it.
    dprd     boolean NOT NULL DEFAULT false
);

INSERT INTO stage_definitions (code, name_id, name_en, signs, dprd) VALUES
    ('PERSIAPAN', 'Persiapan', 'Preparation', false, false),
    ('PENAWARAN', 'Penawaran', 'Offer', false, false),
    ('PENYUSUNAN_KSB', 'Penyusunan Kesepakatan Bersama', 'Drafting the KSB', false, false),
    ('PENANDATANGANAN_KSB', 'Penandatanganan Kesepakatan Bersama', 'Signing the KSB', true, false),
    ('PERSETUJUAN_DPRD', 'Persetujuan DPRD', 'Regional parliament (DPRD) approval', false, true),
    ('PENYUSUNAN_PKS', 'Penyusunan Perjanjian Kerja Sama', 'Drafting the PKS', false, false),
    ('PENANDATANGANAN_PKS', 'Penandatanganan Perjanjian Kerja Sama', 'Signing the PKS', true, false),
    ('PENATAUSAHAAN', 'Penatausahaan', 'Administration (registering and archiving)', false, false),
    ('PELAPORAN', 'Pelaporan', 'Reporting to the Minister or governor', false, false),
    ('PRAKARSA', 'Prakarsa', 'Initiative', false, false),
    ('PENJAJAKAN', 'Penjajakan', 'Exploration', false, false),
    ('PERNYATAAN_KEHENDAK', 'Pernyataan Kehendak', 'Statement of intent (LOI)', true, false),
    ('PENYUSUNAN_RENCANA', 'Penyusunan Rencana Kerja Sama', 'Cooperation plan', false, false),
    ('VERIFIKASI', 'Verifikasi Kementerian', 'Verification by the ministry', false, false),
    ('PENYUSUNAN_RANCANGAN', 'Penyusunan Rancangan Naskah', 'Drafting the text', false, false),
    ('PEMBAHASAN_NASKAH', 'Pembahasan Naskah', 'Negotiating the text', false, false),
    ('PERSETUJUAN_MENTERI', 'Persetujuan Menteri', 'Minister''s approval', false, false),
    ('PENANDATANGANAN', 'Penandatanganan', 'Signing', true, false),
    ('PENYUSUNAN_NOTA', 'Penyusunan Nota Kesepakatan', 'Drafting the Nota Kesepakatan', false, false),
    ('PENYUSUNAN_ADENDUM', 'Penyusunan Adendum', 'Drafting the addendum', false, false),
    ('PENANDATANGANAN_ADENDUM', 'Penandatanganan Adendum', 'Signing the addendum', true, false);

-- The stage sequence of each kind of record. Deployment-wide: the bureau's
-- targets (target_days) are edited through StageTemplateService and apply to
-- stages that start afterwards.
CREATE TABLE stage_templates (
    cooperation_type  text NOT NULL
        CHECK (cooperation_type IN ('KSDD', 'KSDPK', 'KSDPL', 'KSDLL', 'SINERGI')),
    document_kind     text NOT NULL
        CHECK (document_kind IN ('LOI', 'KSB', 'PKS', 'ADDENDUM', 'NOTA_KESEPAKATAN')),
    -- Whether the record has a parent (a PKS under a KSB, a KSB after an LOI).
    with_parent       boolean NOT NULL,
    position          smallint NOT NULL CHECK (position > 0),
    stage_code        text NOT NULL REFERENCES stage_definitions (code),
    target_days       integer NOT NULL CHECK (target_days BETWEEN 1 AND 3650),
    skippable         boolean NOT NULL,
    update_time       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cooperation_type, document_kind, with_parent, stage_code),
    UNIQUE (cooperation_type, document_kind, with_parent, position)
);

WITH sequences (types, kinds, with_parent, codes) AS (VALUES
    ('{KSDD,KSDPK}'::text[], '{KSB}'::text[], false,
     '{PERSIAPAN,PENAWARAN,PENYUSUNAN_KSB,PENANDATANGANAN_KSB,PENATAUSAHAAN,PELAPORAN}'::text[]),
    ('{KSDD,KSDPK}', '{PKS}', true,
     '{PERSETUJUAN_DPRD,PENYUSUNAN_PKS,PENANDATANGANAN_PKS,PENATAUSAHAAN,PELAPORAN}'),
    ('{KSDD,KSDPK}', '{PKS}', false,
     '{PERSIAPAN,PENAWARAN,PERSETUJUAN_DPRD,PENYUSUNAN_PKS,PENANDATANGANAN_PKS,PENATAUSAHAAN,PELAPORAN}'),
    ('{KSDPL,KSDLL}', '{LOI}', false, '{PRAKARSA,PENJAJAKAN,PERNYATAAN_KEHENDAK}'),
    ('{KSDPL,KSDLL}', '{KSB,PKS}', true,
     '{PENYUSUNAN_RENCANA,PERSETUJUAN_DPRD,VERIFIKASI,PENYUSUNAN_RANCANGAN,PEMBAHASAN_NASKAH,PERSETUJUAN_MENTERI,PENANDATANGANAN,PENATAUSAHAAN,PELAPORAN}'),
    ('{KSDPL,KSDLL}', '{KSB,PKS}', false,
     '{PRAKARSA,PENJAJAKAN,PENYUSUNAN_RENCANA,PERSETUJUAN_DPRD,VERIFIKASI,PENYUSUNAN_RANCANGAN,PEMBAHASAN_NASKAH,PERSETUJUAN_MENTERI,PENANDATANGANAN,PENATAUSAHAAN,PELAPORAN}'),
    ('{SINERGI}', '{NOTA_KESEPAKATAN}', false,
     '{PERSIAPAN,PENYUSUNAN_NOTA,PENANDATANGANAN,PENATAUSAHAAN,PELAPORAN}'),
    ('{KSDD,KSDPK,KSDPL,KSDLL,SINERGI}', '{ADDENDUM}', true,
     '{PENYUSUNAN_ADENDUM,PERSETUJUAN_DPRD,PENANDATANGANAN_ADENDUM,PENATAUSAHAAN}')
),
-- Suggested targets (DOMAIN.md): preparation, offer, drafting 30 days; signing 14;
-- DPRD 45; ministry verification and approval 60; administration 14; reporting 30.
targets (stage_code, target_days, skippable) AS (VALUES
    ('PERSIAPAN', 30, true), ('PENAWARAN', 30, true), ('PENYUSUNAN_KSB', 30, true),
    ('PENANDATANGANAN_KSB', 14, false), ('PERSETUJUAN_DPRD', 45, false),
    ('PENYUSUNAN_PKS', 30, true), ('PENANDATANGANAN_PKS', 14, false),
    ('PENATAUSAHAAN', 14, true), ('PELAPORAN', 30, true), ('PRAKARSA', 30, true),
    ('PENJAJAKAN', 30, true), ('PERNYATAAN_KEHENDAK', 14, false),
    ('PENYUSUNAN_RENCANA', 30, true), ('VERIFIKASI', 60, false),
    ('PENYUSUNAN_RANCANGAN', 30, true), ('PEMBAHASAN_NASKAH', 30, true),
    ('PERSETUJUAN_MENTERI', 60, false), ('PENANDATANGANAN', 14, false),
    ('PENYUSUNAN_NOTA', 30, true), ('PENYUSUNAN_ADENDUM', 30, true),
    ('PENANDATANGANAN_ADENDUM', 14, false)
)
INSERT INTO stage_templates (cooperation_type, document_kind, with_parent, position, stage_code, target_days, skippable)
SELECT t.type, k.kind, s.with_parent, c.position, c.code, g.target_days, g.skippable
FROM sequences s
CROSS JOIN LATERAL unnest(s.types) AS t(type)
CROSS JOIN LATERAL unnest(s.kinds) AS k(kind)
CROSS JOIN LATERAL unnest(s.codes) WITH ORDINALITY AS c(code, position)
JOIN targets g ON g.stage_code = c.code;

-- An agreement's own stages, instantiated from its template when it is created.
CREATE TABLE agreement_stages (
    agreement_id   uuid NOT NULL REFERENCES agreements (id),
    region_code    region_code NOT NULL,
    position       smallint NOT NULL,
    code           text NOT NULL REFERENCES stage_definitions (code),
    status         text NOT NULL
        CHECK (status IN ('PENDING', 'IN_PROGRESS', 'DONE', 'SKIPPED', 'NOT_APPLICABLE')),
    skippable      boolean NOT NULL,
    started_on     date,
    -- The SLA due date, fixed when the stage starts (template target_days then).
    sla_due_on     date,
    -- Completion or skip date.
    completed_on   date,
    skip_reason    text,
    -- Marked done from a past signed date, without the real stage dates.
    backfilled     boolean NOT NULL DEFAULT false,
    notes          text NOT NULL DEFAULT '',
    evidence_document_id uuid,
    version        bigint NOT NULL DEFAULT 1,
    update_time    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agreement_id, code),
    UNIQUE (agreement_id, position),
    CHECK ((status IN ('IN_PROGRESS', 'DONE')) <= (started_on IS NOT NULL)),
    CHECK ((status IN ('DONE', 'SKIPPED')) = (completed_on IS NOT NULL)),
    CHECK ((status = 'SKIPPED') = (skip_reason IS NOT NULL)),
    CHECK (completed_on IS NULL OR started_on IS NULL OR completed_on >= started_on)
);
-- Overdue-stage reports scan open stages by due date.
CREATE INDEX agreement_stages_open_idx ON agreement_stages (sla_due_on) WHERE status = 'IN_PROGRESS';

-- Every due-date change, kept: the due date in force on a day is the last
-- reschedule decided on or before it, else the SLA due date.
CREATE TABLE stage_reschedules (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agreement_id     uuid NOT NULL,
    stage_code       text NOT NULL,
    region_code      region_code NOT NULL,
    decided_on       date NOT NULL,
    previous_due_on  date NOT NULL,
    new_due_on       date NOT NULL,
    reason           text NOT NULL CHECK (length(btrim(reason)) > 0),
    actor            text NOT NULL,
    create_time      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (agreement_id, stage_code) REFERENCES agreement_stages (agreement_id, code)
);
CREATE INDEX stage_reschedules_stage_idx ON stage_reschedules (agreement_id, stage_code, decided_on, id);

-- Agreement dates the state derives from -----------------------------------------

ALTER TABLE agreements
    -- The first stage's start: from then on an unsigned agreement is IN_PROCESS.
    ADD COLUMN process_started_on date,
    ADD COLUMN terminated_on date,
    ADD COLUMN termination_reason text,
    ADD COLUMN cancelled_on date,
    ADD COLUMN cancellation_reason text,
    ADD COLUMN reporting_cycle text NOT NULL DEFAULT 'QUARTERLY'
        CHECK (reporting_cycle IN ('QUARTERLY', 'SEMESTER', 'YEARLY')),
    ADD CHECK ((terminated_on IS NULL) = (termination_reason IS NULL)),
    ADD CHECK ((cancelled_on IS NULL) = (cancellation_reason IS NULL)),
    ADD CHECK (terminated_on IS NULL OR cancelled_on IS NULL),
    ADD CHECK (terminated_on IS NULL OR (signed_on IS NOT NULL AND terminated_on >= signed_on));

DROP FUNCTION agreement_state(date, date, date);

-- The state of an agreement as of a date: the one derivation used by the
-- service, the List filters and the reporting jobs.
CREATE FUNCTION agreement_state(
    signed_on date, effective_until date, process_started_on date,
    terminated_on date, cancelled_on date, as_of date)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN cancelled_on IS NOT NULL AND cancelled_on <= as_of THEN 'CANCELLED'
        WHEN terminated_on IS NOT NULL AND terminated_on <= as_of THEN 'TERMINATED'
        WHEN signed_on IS NOT NULL AND signed_on <= as_of THEN
            CASE WHEN effective_until IS NOT NULL AND effective_until < as_of THEN 'EXPIRED' ELSE 'ACTIVE' END
        WHEN process_started_on IS NOT NULL AND process_started_on <= as_of THEN 'IN_PROCESS'
        ELSE 'DRAFT'
    END
$$;

-- Stages for agreements registered before this migration: signed ones are
-- backfilled as done through signing, the next stage started on the signed date.
WITH planned AS (
    SELECT a.id, a.region_code, a.signed_on, t.position, t.stage_code, t.skippable, t.target_days,
           CASE
               WHEN d.dprd AND NOT a.dprd_approval_required THEN 'NOT_APPLICABLE'
               WHEN a.signed_on IS NULL THEN 'PENDING'
               WHEN t.position <= signing.position THEN 'DONE'
               WHEN t.position = signing.position + 1 THEN 'IN_PROGRESS'
               ELSE 'PENDING'
           END AS status
    FROM agreements a
    JOIN stage_templates t
      ON t.cooperation_type = a.cooperation_type AND t.document_kind = a.document_kind
     AND t.with_parent = (a.parent_id IS NOT NULL)
    JOIN stage_definitions d ON d.code = t.stage_code
    CROSS JOIN LATERAL (
        SELECT s.position FROM stage_templates s JOIN stage_definitions sd ON sd.code = s.stage_code
        WHERE s.cooperation_type = t.cooperation_type AND s.document_kind = t.document_kind
          AND s.with_parent = t.with_parent AND sd.signs
    ) AS signing
)
INSERT INTO agreement_stages (agreement_id, region_code, position, code, status, skippable,
                              started_on, sla_due_on, completed_on, backfilled)
SELECT id, region_code, position, stage_code, status, skippable,
       CASE WHEN status IN ('DONE', 'IN_PROGRESS') THEN signed_on END,
       CASE WHEN status IN ('DONE', 'IN_PROGRESS') THEN signed_on + target_days END,
       CASE WHEN status = 'DONE' THEN signed_on END,
       status = 'DONE'
FROM planned;
UPDATE agreements a SET process_started_on = a.signed_on WHERE a.signed_on IS NOT NULL;

-- Benefits -------------------------------------------------------------------

CREATE TABLE measurement_units (
    code  text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9_]{0,31}$'),
    name  text NOT NULL
);
INSERT INTO measurement_units (code, name) VALUES
    ('IDR', 'Rupiah'), ('PERSON', 'People'), ('UNIT', 'Units'), ('PERCENT', 'Percent'),
    ('KM', 'Kilometres'), ('HECTARE', 'Hectares'), ('TONNE', 'Tonnes'), ('KWH', 'Kilowatt-hours'),
    ('DOCUMENT', 'Documents'), ('ACTIVITY', 'Activities'), ('VISIT', 'Visits'), ('OTHER', 'Other');

-- A planned benefit of an agreement (an IATI-style result indicator).
CREATE TABLE benefit_indicators (
    id                uuid PRIMARY KEY,
    agreement_id      uuid NOT NULL REFERENCES agreements (id),
    region_code       region_code NOT NULL,
    title             text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 300),
    category          text NOT NULL CHECK (category IN
        ('REVENUE', 'COST_SAVING', 'INVESTMENT', 'SERVICE_REACH', 'CAPACITY', 'INFRASTRUCTURE', 'OTHER')),
    unit_of_measure   text NOT NULL REFERENCES measurement_units (code),
    beneficiary       text NOT NULL CHECK (beneficiary IN ('REGION', 'PARTNER', 'BOTH')),
    baseline          numeric CHECK (scale(baseline) <= 4),
    target_value      numeric CHECK (scale(target_value) <= 4),
    target_date       date,
    higher_is_better  boolean NOT NULL DEFAULT true,
    version           bigint NOT NULL DEFAULT 1,
    create_time       timestamptz NOT NULL DEFAULT now(),
    update_time       timestamptz NOT NULL DEFAULT now(),
    delete_time       timestamptz,
    CHECK (unit_of_measure <> 'IDR' OR (scale(coalesce(target_value, 0)) = 0 AND scale(coalesce(baseline, 0)) = 0))
);
CREATE INDEX benefit_indicators_agreement_idx ON benefit_indicators (agreement_id, id);

-- A realised value of an indicator for a period, reported by the OPD.
CREATE TABLE benefit_realisations (
    id              uuid PRIMARY KEY,
    indicator_id    uuid NOT NULL REFERENCES benefit_indicators (id),
    agreement_id    uuid NOT NULL REFERENCES agreements (id),
    region_code     region_code NOT NULL,
    period_start    date NOT NULL,
    period_end      date NOT NULL,
    value           numeric NOT NULL CHECK (scale(value) <= 4),
    note            text NOT NULL DEFAULT '',
    evidence_document_id uuid,
    reported_by     text NOT NULL,
    version         bigint NOT NULL DEFAULT 1,
    create_time     timestamptz NOT NULL DEFAULT now(),
    update_time     timestamptz NOT NULL DEFAULT now(),
    delete_time     timestamptz,
    CHECK (period_end >= period_start)
);
CREATE INDEX benefit_realisations_indicator_idx ON benefit_realisations (indicator_id, period_start, id);

-- Implementation reports (laporan pelaksanaan) ------------------------------------

CREATE TABLE implementation_reports (
    id                uuid PRIMARY KEY,
    agreement_id      uuid NOT NULL REFERENCES agreements (id),
    region_code       region_code NOT NULL,
    -- The reporting cycle the report covers.
    cycle_start       date NOT NULL,
    cycle_end         date NOT NULL,
    submitted_on      date NOT NULL,
    summary           text NOT NULL CHECK (length(btrim(summary)) > 0),
    progress_percent  smallint CHECK (progress_percent BETWEEN 0 AND 100),
    obstacles         text NOT NULL DEFAULT '',
    follow_up         text NOT NULL DEFAULT '',
    document_id       uuid,
    reported_by       text NOT NULL,
    create_time       timestamptz NOT NULL DEFAULT now(),
    delete_time       timestamptz,
    CHECK (cycle_end >= cycle_start)
);
CREATE UNIQUE INDEX implementation_reports_cycle_idx ON implementation_reports (agreement_id, cycle_start)
    WHERE delete_time IS NULL;

-- Documents (metadata; the file lives at its URI) -----------------------------------

CREATE TABLE agreement_documents (
    id             uuid PRIMARY KEY,
    agreement_id   uuid NOT NULL REFERENCES agreements (id),
    region_code    region_code NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('LOI', 'KSB', 'PKS', 'ADDENDUM', 'NOTA_KESEPAKATAN',
        'DPRD_APPROVAL', 'MINISTER_APPROVAL', 'REPORT', 'OTHER')),
    number         text NOT NULL DEFAULT '',
    document_date  date,
    title          text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 300),
    uri            text NOT NULL CHECK (length(uri) BETWEEN 1 AND 2000),
    sha256         text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes     bigint CHECK (size_bytes >= 0),
    create_time    timestamptz NOT NULL DEFAULT now(),
    delete_time    timestamptz
);
CREATE INDEX agreement_documents_agreement_idx ON agreement_documents (agreement_id, id);

-- Evaluation meetings (rapat evaluasi) ----------------------------------------

CREATE TABLE evaluation_meetings (
    id                 uuid PRIMARY KEY,
    region_code        region_code NOT NULL,
    held_on            date NOT NULL,
    period_start       date NOT NULL,
    period_end         date NOT NULL,
    title              text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 300),
    participant_units  text[] NOT NULL DEFAULT '{}',
    notes              text NOT NULL DEFAULT '',
    create_time        timestamptz NOT NULL DEFAULT now(),
    delete_time        timestamptz,
    CHECK (period_end >= period_start)
);
CREATE INDEX evaluation_meetings_held_idx ON evaluation_meetings (held_on, id);

CREATE TABLE meeting_findings (
    id            uuid PRIMARY KEY,
    meeting_id    uuid NOT NULL REFERENCES evaluation_meetings (id),
    region_code   region_code NOT NULL,
    agreement_id  uuid REFERENCES agreements (id),
    description   text NOT NULL CHECK (length(btrim(description)) > 0),
    position      smallint NOT NULL,
    UNIQUE (meeting_id, position)
);

CREATE TABLE recommendations (
    id                uuid PRIMARY KEY,
    finding_id        uuid NOT NULL REFERENCES meeting_findings (id),
    meeting_id        uuid NOT NULL REFERENCES evaluation_meetings (id),
    region_code       region_code NOT NULL,
    description       text NOT NULL CHECK (length(btrim(description)) > 0),
    responsible_unit  text NOT NULL REFERENCES units (code),
    due_on            date NOT NULL,
    -- The current status; its history is in recommendation_status_changes.
    status            text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'DONE', 'DROPPED')),
    version           bigint NOT NULL DEFAULT 1
);
CREATE INDEX recommendations_open_idx ON recommendations (due_on) WHERE status = 'OPEN';

-- Status changes with their business dates: a recommendation closed after a
-- date was still open on it.
CREATE TABLE recommendation_status_changes (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recommendation_id  uuid NOT NULL REFERENCES recommendations (id),
    region_code        region_code NOT NULL,
    status             text NOT NULL CHECK (status IN ('OPEN', 'DONE', 'DROPPED')),
    changed_on         date NOT NULL,
    reason             text,
    actor              text NOT NULL,
    create_time        timestamptz NOT NULL DEFAULT now(),
    CHECK (status <> 'DROPPED' OR length(btrim(coalesce(reason, ''))) > 0)
);
CREATE INDEX recommendation_status_changes_idx ON recommendation_status_changes (recommendation_id, changed_on, id);

-- The audit trail of one agreement includes its sub-resources
-- (agreements/{id}/stages/..., .../indicators/...).
CREATE INDEX audit_events_resource_prefix_idx ON audit_events (resource text_pattern_ops, id);
