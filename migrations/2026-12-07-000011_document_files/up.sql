-- The document archive: each version of a document's file (the signed scan),
-- kept by its SHA-256 in a content-addressed store (docs/archive.md). The
-- same content uploaded twice is stored once; every version stays.
CREATE TABLE document_files (
    document_id uuid NOT NULL REFERENCES agreement_documents (id),
    version integer NOT NULL CHECK (version >= 1),
    region_code text NOT NULL,
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
    -- Identified from the content (magic bytes), never from the file name.
    media_type text NOT NULL CHECK (media_type IN (
        'application/pdf', 'image/jpeg', 'image/png', 'image/tiff',
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        'application/vnd.oasis.opendocument.text')),
    -- The name the uploader gave (for Content-Disposition), checked text.
    file_name text NOT NULL,
    uploaded_by text NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (document_id, version)
);
CREATE INDEX document_files_sha256 ON document_files (sha256);
CREATE INDEX document_files_region ON document_files (region_code);
