ALTER TABLE agreements DROP COLUMN search_text;
CREATE INDEX agreements_title_trgm ON agreements USING gin (title gin_trgm_ops);
CREATE INDEX agreements_number_trgm ON agreements USING gin (document_number gin_trgm_ops);
CREATE INDEX agreement_parties_name_trgm ON agreement_parties USING gin (name gin_trgm_ops);
