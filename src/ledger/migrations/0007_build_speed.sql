-- Build speed: the result of the last scrub in a narrow row of its own, so scrubbing 100,000
-- encounters writes 100,000 small rows instead of rewriting every wide encounters row (each holds
-- the whole encounter JSON), and the primary claim's CLM01 so `build` can read its candidates in
-- the order their claims are written.
--
-- encounter_scrubs supersedes encounters.scrub_status / scrubbed_hash: a row here is the
-- encounter's scrub result; an encounter without a row here falls back to those two columns (rows
-- written before this migration, or by tools that set them directly). The view
-- encounter_scrub_state gives the result in force for every encounter.
CREATE TABLE encounter_scrubs (
    -- No foreign key on purpose: every reader joins encounters (a row whose encounter is gone is
    -- never used), and without one a multi-row INSERT needs no statement journal.
    encounter_id TEXT PRIMARY KEY,
    -- Written as an OR chain: SQLite builds a temporary index for an IN list of 3+ values on every
    -- statement run (see migration 5).
    scrub_status TEXT NOT NULL CHECK (scrub_status = 'clean' OR scrub_status = 'warning' OR scrub_status = 'error'),
    scrubbed_hash TEXT NOT NULL,        -- content_hash the scrub_status belongs to
    primary_pcn TEXT NOT NULL,          -- CLM01 of the encounter's original primary claim
    payer_id TEXT NOT NULL,             -- encounters.payer_id of the content scrubbed
    scrubbed_at TEXT NOT NULL
) WITHOUT ROWID;
-- build streams clean candidates in CLM01 order (claims' keys are then inserted in order),
-- reading this index alone (it covers the status and hash the build checks).
CREATE INDEX encounter_scrubs_pcn ON encounter_scrubs (primary_pcn, scrub_status, scrubbed_hash);
-- build finds the encounters still scrubbed only through the old columns without reading the table.
CREATE INDEX encounters_old_scrub_status ON encounters (scrub_status) WHERE scrub_status IS NOT NULL;

CREATE VIEW encounter_scrub_state (encounter_id, scrub_status, scrubbed_hash) AS
    SELECT e.id,
           CASE WHEN s.encounter_id IS NULL THEN e.scrub_status ELSE s.scrub_status END,
           CASE WHEN s.encounter_id IS NULL THEN e.scrubbed_hash ELSE s.scrubbed_hash END
    FROM encounters e LEFT JOIN encounter_scrubs s ON s.encounter_id = e.id;
