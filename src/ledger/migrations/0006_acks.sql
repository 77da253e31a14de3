-- Acknowledgments received: one row per acknowledged item (TA1 interchange, 999 transaction set or
-- group, 277CA claim), matched to our batches and claims or not (batch_id / pcn NULL). Claims' own
-- status and history stay in claims / claim_events; this table answers "what did the
-- clearinghouse say about batch 7" and lists what matched nothing.
CREATE TABLE acknowledgments (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('TA1', '999', '277CA')),
    source_file TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    reference TEXT NOT NULL,            -- ISA13 (TA1), GS06/ST02 (999), CLM01 (277CA) as sent
    batch_id INTEGER REFERENCES batches (id),
    pcn TEXT REFERENCES claims (pcn),
    verdict TEXT NOT NULL CHECK (verdict IN ('accepted', 'accepted_with_errors', 'rejected', 'other')),
    codes TEXT NOT NULL,                -- TA104/TA105, IK5 or STC codes as sent ("R 5", "A7:562:85")
    detail TEXT NOT NULL,               -- the codes explained, without patient data
    payer_claim_number TEXT,            -- REF*1K
    received_at TEXT NOT NULL
);
CREATE INDEX acknowledgments_pcn ON acknowledgments (pcn);
CREATE INDEX acknowledgments_batch ON acknowledgments (batch_id);
