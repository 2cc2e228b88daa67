-- The words of each stored file (docs/archive.md): the text layer of a PDF,
-- the paragraphs of a DOCX or ODT, read in-process on upload. NULL body: the
-- file has none (an image, a scan without a text layer: "no text"; no OCR).
-- Searched with PostgreSQL's full-text search, `indonesian` configuration,
-- together with the agreement's title, document number and parties.
CREATE TABLE document_texts (
    document_id uuid NOT NULL,
    version integer NOT NULL,
    region_code text NOT NULL,
    body text,
    search tsvector GENERATED ALWAYS AS (to_tsvector('indonesian', coalesce(body, ''))) STORED,
    PRIMARY KEY (document_id, version),
    FOREIGN KEY (document_id, version) REFERENCES document_files (document_id, version)
);
CREATE INDEX document_texts_search ON document_texts USING gin (search);
CREATE INDEX agreements_search ON agreements
    USING gin (to_tsvector('indonesian', title || ' ' || document_number))
    WHERE delete_time IS NULL;
CREATE INDEX agreement_parties_search ON agreement_parties
    USING gin (to_tsvector('indonesian', name));
