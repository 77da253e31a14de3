-- Billing: the practice, encounters and their scrub results, claims with their lines, the batches
-- (837 files) that carried them, and every event in a claim's life. Money is decimal text ("125.00"),
-- dates ISO text ("2026-11-02"), times RFC 3339 UTC.

-- The practice configuration (one row), as loaded by `claimkit init --practice FILE.toml`.
CREATE TABLE practice (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    config_json TEXT NOT NULL,          -- serde_json of claimkit::practice::Practice
    source_path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    loaded_at TEXT NOT NULL
);

-- One row per EMR encounter (one future claim). The typed Encounter is kept whole as JSON; the
-- columns beside it are what queries filter on.
CREATE TABLE encounters (
    id TEXT PRIMARY KEY,                -- the EMR's encounter ID
    payer_id TEXT NOT NULL,
    patient_id TEXT NOT NULL,
    first_dos TEXT,
    last_dos TEXT,
    total_charge TEXT NOT NULL,
    line_count INTEGER NOT NULL,
    content_hash TEXT NOT NULL,         -- Encounter::content_hash(): unchanged re-imports are no-ops
    encounter_json TEXT NOT NULL,       -- serde_json of claimkit::encounter::Encounter
    source_format TEXT NOT NULL CHECK (source_format IN ('csv', 'fhir', 'hl7v2')),
    source_file TEXT NOT NULL,
    source_locator TEXT NOT NULL,
    -- Result of the last scrub of this content: NULL until scrubbed (or after a changed re-import).
    scrub_status TEXT CHECK (scrub_status IN ('clean', 'warning', 'error')),
    scrubbed_hash TEXT,                 -- content_hash the scrub_status belongs to
    imported_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX encounters_payer ON encounters (payer_id);
CREATE INDEX encounters_patient_dos ON encounters (patient_id, first_dos);

-- Findings of the last scrub, replaced per encounter on every scrub.
CREATE TABLE scrub_findings (
    encounter_id TEXT NOT NULL REFERENCES encounters (id) ON DELETE CASCADE,
    rule_id TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('error', 'warning', 'info')),
    line_number INTEGER,                -- service line (LX), NULL for claim-level findings
    message TEXT NOT NULL,
    fix TEXT NOT NULL,
    scrubbed_at TEXT NOT NULL
);
CREATE INDEX scrub_findings_encounter ON scrub_findings (encounter_id);

-- Encounters whose re-import changed content after they were billed: the billed claim is left alone.
CREATE TABLE import_conflicts (
    id INTEGER PRIMARY KEY,
    encounter_id TEXT NOT NULL,
    source_file TEXT NOT NULL,
    source_locator TEXT NOT NULL,
    new_content_hash TEXT NOT NULL,
    new_encounter_json TEXT NOT NULL,
    detected_at TEXT NOT NULL,
    UNIQUE (encounter_id, new_content_hash)
);

-- One 837 file written by `claimkit build` (or correct/void).
CREATE TABLE batches (
    id INTEGER PRIMARY KEY,
    receiver_id TEXT NOT NULL,          -- practice receiver id
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    isa13 TEXT NOT NULL,
    gs06 TEXT NOT NULL,
    st02_list TEXT NOT NULL,            -- comma-separated ST02 values in the file
    sender_id TEXT NOT NULL,            -- ISA06 (trimmed)
    receiver_isa_id TEXT NOT NULL,      -- ISA08 (trimmed)
    usage TEXT NOT NULL CHECK (usage IN ('T', 'P')),
    claim_count INTEGER NOT NULL,
    total_charge TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (sender_id, receiver_isa_id, isa13)
);

-- One claim sent to one payer. pcn is CLM01 (patient control number), <= 17 characters.
CREATE TABLE claims (
    pcn TEXT PRIMARY KEY,
    encounter_id TEXT NOT NULL REFERENCES encounters (id),
    payer_id TEXT NOT NULL,
    -- P primary, S secondary, T tertiary (SBR01 of the payer billed)
    responsibility TEXT NOT NULL CHECK (responsibility IN ('P', 'S', 'T')),
    frequency TEXT NOT NULL CHECK (frequency IN ('1', '7', '8')),
    replaces_pcn TEXT REFERENCES claims (pcn),   -- for 7/8: the claim corrected or voided
    batch_id INTEGER REFERENCES batches (id),
    st02 TEXT,                          -- the transaction set carrying the claim
    encounter_hash TEXT NOT NULL,       -- encounter content_hash that was billed
    patient_id TEXT NOT NULL,
    first_dos TEXT NOT NULL,
    last_dos TEXT NOT NULL,
    total_charge TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('submitted', 'accepted', 'rejected', 'paid', 'partially_paid',
        'denied', 'reversed', 'forwarded', 'voided')),
    payer_claim_number TEXT,            -- from 277CA REF*1K or 835 CLP07
    paid_amount TEXT NOT NULL DEFAULT '0.00',       -- net of all postings so far
    patient_responsibility TEXT NOT NULL DEFAULT '0.00',
    submitted_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX claims_encounter ON claims (encounter_id);
CREATE INDEX claims_status ON claims (status);
CREATE INDEX claims_payer_claim_number ON claims (payer_claim_number);

-- The service lines of a claim as billed.
CREATE TABLE claim_lines (
    pcn TEXT NOT NULL REFERENCES claims (pcn),
    line_number INTEGER NOT NULL,       -- LX01
    line_control_number TEXT NOT NULL,  -- REF*6R, unique across claims
    procedure_code TEXT NOT NULL,
    modifiers TEXT NOT NULL,            -- ':'-separated, '' for none
    units TEXT NOT NULL,
    charge TEXT NOT NULL,
    date_of_service TEXT NOT NULL,
    rendering_npi TEXT,
    paid_amount TEXT NOT NULL DEFAULT '0.00',
    PRIMARY KEY (pcn, line_number),
    UNIQUE (line_control_number)
);

-- Everything that happened to a claim, in order: built, acknowledged, rejected, paid, reversed...
CREATE TABLE claim_events (
    id INTEGER PRIMARY KEY,
    pcn TEXT NOT NULL REFERENCES claims (pcn),
    at TEXT NOT NULL,
    kind TEXT NOT NULL,                 -- submitted, ack_999, ack_277ca, accepted, rejected, payment, reversal, corrected, voided...
    status_after TEXT,                  -- the claim status this event left
    amount TEXT,                        -- money moved by the event, when any
    detail TEXT NOT NULL,               -- human-readable, no patient data
    source_file TEXT                    -- the file that caused it
);
CREATE INDEX claim_events_pcn ON claim_events (pcn, id);
