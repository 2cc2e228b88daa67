-- ListAgreements.query finds a piece of a title, a document number or a
-- party's name (ILIKE '%…%', partial words included). Trigram GIN indexes
-- let PostgreSQL find the matches without reading every agreement and party
-- (pg_trgm ships with PostgreSQL and is a trusted extension: the database's
-- owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX agreements_title_trgm ON agreements USING gin (title gin_trgm_ops);
CREATE INDEX agreements_number_trgm ON agreements USING gin (document_number gin_trgm_ops);
CREATE INDEX agreement_parties_name_trgm ON agreement_parties USING gin (name gin_trgm_ops);
