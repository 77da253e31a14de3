-- Build speed: (1) the result of the last scrub in a narrow row of its own, so scrubbing 100,000
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

-- (2) A claim's `submitted` history entry is its claims row (with its batch), not a claim_events
-- row of its own: the build writes one row less per claim. claim_history is a claim's whole
-- history: these entries (worded as the build worded them, first: seq 0), its claim_events rows,
-- and its claim payments' entries (migration 5, 3.). The stored submissions of claims with a batch
-- are removed so none shows twice.
DELETE FROM claim_events
WHERE kind = 'submitted' AND pcn IN (SELECT pcn FROM claims WHERE batch_id IS NOT NULL);
CREATE VIEW claim_history AS
SELECT 0 AS seq, 0 AS sub, c.pcn, c.submitted_at AS at, 'submitted' AS kind, 'submitted' AS status_after,
    c.total_charge AS amount,
    CASE c.frequency WHEN '7' THEN 'replacement' WHEN '8' THEN 'void' ELSE 'original' END || ' claim to payer '
        || c.payer_id || ' sent in ' || substr(b.path, length(rtrim(b.path, replace(b.path, '/', ''))) + 1)
        || ' (ST02 ' || COALESCE(c.st02, '') || ')' AS detail,
    b.path AS source_file
FROM claims c JOIN batches b ON b.id = c.batch_id
UNION ALL
SELECT e.id, 0, e.pcn, e.at, e.kind, e.status_after, e.amount, e.detail, e.source_file
FROM claim_events e
UNION ALL
SELECT cp.event_seq, cp.id, cp.matched_pcn, r.posted_at,
    CASE cp.claim_status_after WHEN 'reversed' THEN 'reversal' WHEN 'denied' THEN 'denial' ELSE 'payment' END,
    cp.claim_status_after,
    CASE WHEN cp.status_code = '22' AND cp.paid <> '0.00' THEN '-' || ltrim(cp.paid, '-') ELSE cp.paid END,
    '835 trace ' || r.trace_number || ': CLP02 ' || cp.status_code || ', charge ' || cp.charge || ', paid ' || cp.paid
        || ', patient responsibility ' || cp.patient_responsibility
        || COALESCE(', payer claim ' || cp.payer_claim_number, '')
        || COALESCE('; adjustments ' || (
            SELECT group_concat((a.value ->> 0) || '-' || (a.value ->> 1) || ' ' || (a.value ->> 2), ', ')
            FROM (SELECT a.value FROM json_each(cp.adjustments) a
                  UNION ALL
                  SELECT a.value FROM json_each(cp.service_lines) j, json_each(j.value, '$[17]') a) a), '')
        || '; claim paid now ' || cp.claim_paid_after,
    r.source_file
FROM claim_payments cp JOIN remittances r ON r.id = cp.remittance_id
WHERE cp.matched_pcn IS NOT NULL AND cp.event_seq IS NOT NULL;

-- (3) claims by first date of service are looked up only by an 835 claim whose CLP01 and CLP07
-- match nothing (patient + date + charge): the posting makes that index when it needs it and drops
-- it before commit, instead of every claim billed adding an entry to it.
DROP INDEX claims_first_dos;
