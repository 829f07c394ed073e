-- Assistant versions, and the documents assistants know.

-- What deploy froze: the settings, the tool links and the knowledge links of one version. Calls use the
-- version they started with; edits change the draft (`assistants`) until the next deploy.
CREATE TABLE assistant_versions (
    assistant_id             uuid        NOT NULL REFERENCES assistants (id) ON DELETE CASCADE,
    version                  integer     NOT NULL,
    workspace_id             uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name                     text        NOT NULL,
    description              text        NOT NULL,
    llm_provider             text        NOT NULL,
    llm_model                text        NOT NULL,
    system_prompt            text        NOT NULL,
    first_message            text        NOT NULL,
    temperature              double precision NOT NULL,
    max_tokens               integer     NOT NULL,
    language                 text        NOT NULL,
    voice_provider           text        NOT NULL,
    voice_id                 text        NOT NULL,
    interruption_sensitivity double precision NOT NULL,
    silence_timeout_ms       integer     NOT NULL,
    response_delay_ms        integer     NOT NULL,
    record_calls             boolean     NOT NULL,
    transfer_number          text,
    tool_ids                 uuid[]      NOT NULL DEFAULT '{}',
    file_ids                 uuid[]      NOT NULL DEFAULT '{}',
    created_at               timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (assistant_id, version)
);

-- The documents an assistant knows (many to many within a workspace); a file uploaded for an
-- assistant is linked to it.
CREATE TABLE assistant_files (
    assistant_id uuid        NOT NULL REFERENCES assistants (id) ON DELETE CASCADE,
    file_id      uuid        NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (assistant_id, file_id)
);
CREATE INDEX assistant_files_file ON assistant_files (file_id);
INSERT INTO assistant_files (assistant_id, file_id) SELECT assistant_id, id FROM files WHERE assistant_id IS NOT NULL;

-- Deployed assistants keep what they had: their current settings become their current version.
INSERT INTO assistant_versions (assistant_id, version, workspace_id, name, description, llm_provider, llm_model, system_prompt,
    first_message, temperature, max_tokens, language, voice_provider, voice_id, interruption_sensitivity, silence_timeout_ms,
    response_delay_ms, record_calls, transfer_number, file_ids)
SELECT a.id, a.version, a.workspace_id, a.name, a.description, a.llm_provider, a.llm_model, a.system_prompt, a.first_message,
    a.temperature, a.max_tokens, a.language, a.voice_provider, a.voice_id, a.interruption_sensitivity, a.silence_timeout_ms,
    a.response_delay_ms, a.record_calls, a.transfer_number,
    ARRAY(SELECT f.file_id FROM assistant_files f WHERE f.assistant_id = a.id)
FROM assistants a WHERE a.status = 'deployed' AND a.version > 0;

-- The version a conversation runs (null: the assistant was never deployed, its draft is used).
ALTER TABLE conversations ADD COLUMN assistant_version integer;

-- A document's text in passages, indexed for full-text search in the document's language, replaced
-- whenever the file is extracted again and deleted with it.
CREATE TABLE knowledge_passages (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    file_id      uuid        NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    workspace_id uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    ordinal      integer     NOT NULL,
    language     regconfig   NOT NULL,
    text         text        NOT NULL,
    tsv          tsvector    NOT NULL,
    UNIQUE (file_id, ordinal)
);
CREATE INDEX knowledge_passages_tsv ON knowledge_passages USING gin (tsv);
