-- The agreement register: units (OPD), agreements and their parties, API tokens,
-- the audit trail, idempotent creates and report runs.
-- Every table carries the owning region's Kemendagri code (kode wilayah); NULL
-- only where a row is deployment-wide (a token or audit event not bound to a region).

CREATE DOMAIN region_code AS text
    CHECK (VALUE ~ '^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$');

-- Government affairs (urusan pemerintahan, UU 23/2014) an agreement can be about.
CREATE TABLE sectors (
    code     text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9_]{1,63}$'),
    name_id  text NOT NULL,
    name_en  text NOT NULL
);

INSERT INTO sectors (code, name_id, name_en) VALUES
    ('EDUCATION', 'Pendidikan', 'Education'),
    ('HEALTH', 'Kesehatan', 'Health'),
    ('PUBLIC_WORKS', 'Pekerjaan Umum dan Penataan Ruang', 'Public works and spatial planning'),
    ('HOUSING', 'Perumahan Rakyat dan Kawasan Permukiman', 'Housing and settlements'),
    ('PUBLIC_ORDER', 'Ketenteraman, Ketertiban Umum, dan Pelindungan Masyarakat', 'Public order and community protection'),
    ('SOCIAL', 'Sosial', 'Social affairs'),
    ('LABOUR', 'Tenaga Kerja', 'Labour'),
    ('WOMEN_CHILD', 'Pemberdayaan Perempuan dan Pelindungan Anak', 'Women empowerment and child protection'),
    ('FOOD', 'Pangan', 'Food security'),
    ('LAND', 'Pertanahan', 'Land'),
    ('ENVIRONMENT', 'Lingkungan Hidup', 'Environment'),
    ('POPULATION_ADMINISTRATION', 'Administrasi Kependudukan dan Pencatatan Sipil', 'Population administration and civil registration'),
    ('VILLAGE_COMMUNITY', 'Pemberdayaan Masyarakat dan Desa', 'Community and village empowerment'),
    ('FAMILY_PLANNING', 'Pengendalian Penduduk dan Keluarga Berencana', 'Population control and family planning'),
    ('TRANSPORTATION', 'Perhubungan', 'Transportation'),
    ('COMMUNICATION', 'Komunikasi dan Informatika', 'Communication and informatics'),
    ('COOPERATIVES_SME', 'Koperasi, Usaha Kecil, dan Menengah', 'Cooperatives and SMEs'),
    ('INVESTMENT', 'Penanaman Modal', 'Investment'),
    ('YOUTH_SPORTS', 'Kepemudaan dan Olahraga', 'Youth and sports'),
    ('STATISTICS', 'Statistik', 'Statistics'),
    ('CULTURE', 'Kebudayaan', 'Culture'),
    ('LIBRARY', 'Perpustakaan', 'Libraries'),
    ('ARCHIVES', 'Kearsipan', 'Archives'),
    ('MARINE_FISHERIES', 'Kelautan dan Perikanan', 'Marine affairs and fisheries'),
    ('TOURISM', 'Pariwisata', 'Tourism'),
    ('AGRICULTURE', 'Pertanian', 'Agriculture'),
    ('FORESTRY', 'Kehutanan', 'Forestry'),
    ('ENERGY_MINERAL', 'Energi dan Sumber Daya Mineral', 'Energy and mineral resources'),
    ('TRADE', 'Perdagangan', 'Trade'),
    ('INDUSTRY', 'Perindustrian', 'Industry'),
    ('TRANSMIGRATION', 'Transmigrasi', 'Transmigration'),
    ('GOVERNANCE', 'Pemerintahan Umum', 'General governance'),
    ('PLANNING', 'Perencanaan Pembangunan', 'Development planning'),
    ('FINANCE', 'Keuangan Daerah', 'Regional finance'),
    ('OTHER', 'Lainnya', 'Other');

-- Initiating units (OPD, perangkat daerah).
CREATE TABLE units (
    code          text PRIMARY KEY CHECK (code ~ '^[A-Z0-9][A-Z0-9_.-]{1,31}$'),
    region_code   region_code NOT NULL,
    display_name  text NOT NULL CHECK (length(btrim(display_name)) BETWEEN 1 AND 200),
    version       bigint NOT NULL DEFAULT 1,
    create_time   timestamptz NOT NULL DEFAULT now(),
    update_time   timestamptz NOT NULL DEFAULT now()
);
-- ListUnits keyset: (code) within an optional region.
CREATE INDEX units_region_code_idx ON units (region_code, code);

CREATE TABLE agreements (
    -- UUIDv7: time-ordered.
    id                      uuid PRIMARY KEY,
    region_code             region_code NOT NULL,
    title                   text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 500),
    cooperation_type        text NOT NULL
        CHECK (cooperation_type IN ('KSDD', 'KSDPK', 'KSDPL', 'KSDLL', 'SINERGI')),
    document_kind           text NOT NULL
        CHECK (document_kind IN ('LOI', 'KSB', 'PKS', 'ADDENDUM', 'NOTA_KESEPAKATAN')),
    parent_id               uuid REFERENCES agreements (id),
    unit_code               text NOT NULL REFERENCES units (code),
    sector                  text NOT NULL REFERENCES sectors (code),
    ksdd_basis              text CHECK (ksdd_basis IN ('MANDATORY', 'VOLUNTARY')),
    document_number         text NOT NULL DEFAULT '',
    objective               text NOT NULL DEFAULT '',
    signed_on               date,
    effective_from          date,
    effective_until         date,
    dprd_approval_required  boolean NOT NULL DEFAULT false,
    -- Whole rupiah.
    budget_idr              bigint CHECK (budget_idr >= 0),
    version                 bigint NOT NULL DEFAULT 1,
    create_time             timestamptz NOT NULL DEFAULT now(),
    update_time             timestamptz NOT NULL DEFAULT now(),
    delete_time             timestamptz,
    CHECK (effective_from IS NULL OR effective_until IS NULL OR effective_until >= effective_from),
    CHECK (ksdd_basis IS NULL OR cooperation_type = 'KSDD'),
    CHECK (parent_id IS NULL OR parent_id <> id),
    CHECK ((document_kind = 'ADDENDUM') <= (parent_id IS NOT NULL))
);
-- ListAgreements keysets, one per order_by.
CREATE INDEX agreements_create_time_idx ON agreements (create_time, id);
CREATE INDEX agreements_title_idx ON agreements (title, id);
CREATE INDEX agreements_signed_on_idx ON agreements ((coalesce(signed_on, '9999-12-31'::date)), id);
CREATE INDEX agreements_effective_until_idx ON agreements ((coalesce(effective_until, '9999-12-31'::date)), id);
-- Filters.
CREATE INDEX agreements_unit_idx ON agreements (unit_code, create_time);
CREATE INDEX agreements_region_idx ON agreements (region_code, create_time);
CREATE INDEX agreements_parent_idx ON agreements (parent_id) WHERE parent_id IS NOT NULL;

-- The partners of the owning region in an agreement, in the order given.
CREATE TABLE agreement_parties (
    agreement_id       uuid NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    position           smallint NOT NULL CHECK (position >= 0),
    region_code        region_code NOT NULL,
    name               text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 300),
    kind               text NOT NULL CHECK (kind IN (
        'PROVINCE_GOVERNMENT', 'REGENCY_GOVERNMENT', 'CITY_GOVERNMENT',
        'INDIVIDUAL', 'STATE_OWNED_ENTERPRISE', 'REGION_OWNED_ENTERPRISE', 'PRIVATE_COMPANY',
        'COMMUNITY_ORGANISATION', 'UNIVERSITY', 'OTHER_NON_GOVERNMENT',
        'FOREIGN_REGIONAL_GOVERNMENT', 'FOREIGN_INSTITUTION', 'MINISTRY')),
    party_region_code  region_code,
    country_code       text CHECK (country_code ~ '^[A-Z]{2}$'),
    document_number    text NOT NULL DEFAULT '',
    PRIMARY KEY (agreement_id, position),
    CHECK (party_region_code IS NULL OR country_code IS NULL)
);
-- partner_country filter.
CREATE INDEX agreement_parties_country_idx ON agreement_parties (country_code, agreement_id)
    WHERE country_code IS NOT NULL;

-- The state of an agreement as of a date. The one derivation used by the
-- service, the List filters and the reporting jobs.
CREATE FUNCTION agreement_state(signed_on date, effective_until date, as_of date)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN signed_on IS NULL OR signed_on > as_of THEN 'DRAFT'
        WHEN effective_until IS NOT NULL AND effective_until < as_of THEN 'EXPIRED'
        ELSE 'ACTIVE'
    END
$$;

-- Bearer tokens; only the SHA-256 of the secret is stored.
CREATE TABLE api_tokens (
    id             uuid PRIMARY KEY,
    -- NULL: the token may act in every region of the deployment.
    region_code    region_code,
    name           text NOT NULL UNIQUE CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    role           text NOT NULL CHECK (role IN ('ADMIN', 'UNIT_OFFICER', 'ANALYST')),
    unit_code      text REFERENCES units (code),
    secret_sha256  bytea NOT NULL UNIQUE,
    create_time    timestamptz NOT NULL DEFAULT now(),
    revoke_time    timestamptz,
    CHECK ((role = 'UNIT_OFFICER') = (unit_code IS NOT NULL))
);

-- Every mutation, written in the same transaction as the change.
CREATE TABLE audit_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- NULL: a deployment-wide event (a token not bound to a region).
    region_code  region_code,
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    actor        text NOT NULL,
    action       text NOT NULL,
    resource     text NOT NULL,
    before       jsonb,
    after        jsonb,
    request_id   text
);
CREATE INDEX audit_events_resource_idx ON audit_events (resource, id);

-- Idempotent creates: the first result of each request_id.
CREATE TABLE create_requests (
    method        text NOT NULL,
    request_id    uuid NOT NULL,
    region_code   region_code NOT NULL,
    actor         text NOT NULL,
    request_hash  text NOT NULL,
    resource      text NOT NULL,
    create_time   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (method, request_id)
);

CREATE TABLE report_runs (
    id             uuid PRIMARY KEY,
    -- NULL: a run over every region.
    region_code    region_code,
    as_of          date NOT NULL,
    period_start   date NOT NULL,
    period_end     date NOT NULL,
    state          text NOT NULL CHECK (state IN ('RUNNING', 'SUCCEEDED', 'FAILED')),
    error          text,
    files          text[] NOT NULL DEFAULT '{}',
    output_dir     text NOT NULL,
    requested_by   text NOT NULL,
    create_time    timestamptz NOT NULL DEFAULT now(),
    finish_time    timestamptz,
    CHECK (period_end >= period_start)
);
