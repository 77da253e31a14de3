-- claimkit ledger, baseline schema (version 1).
--
-- Money is exact: billed and posted amounts as decimal text ("125.00") as the files carried them,
-- A/R entries as whole cents (INTEGER), so that balances are exact integer sums. Dates are ISO
-- text ("2026-11-02"), times RFC 3339 UTC. Foreign keys are enforced.

-- Key/value settings.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Last control number handed out per sender/receiver pair and kind (ISA13, GS06, ST02).
CREATE TABLE control_numbers (
    sender TEXT NOT NULL,
    receiver TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind = 'ISA13' OR kind = 'GS06' OR kind = 'ST02'),
    last_value INTEGER NOT NULL CHECK (last_value >= 0),
    PRIMARY KEY (sender, receiver, kind)
);

-- Every input file processed, by kind (encounters, remit, ack, codes:...) and content hash: the
-- same content is never processed twice.
CREATE TABLE processed_files (
    kind TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    path TEXT NOT NULL,
    processed_at TEXT NOT NULL,
    PRIMARY KEY (kind, sha256)
);

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
    source_format TEXT NOT NULL CHECK (source_format = 'csv' OR source_format = 'fhir' OR source_format = 'hl7v2'),
    source_file TEXT NOT NULL,
    source_locator TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX encounters_payer ON encounters (payer_id);
CREATE INDEX encounters_patient_dos ON encounters (patient_id, first_dos);

-- The result of the last scrub of an encounter, for the content it checked (a changed re-import
-- makes it stale), and the CLM01 its primary claim will get.
CREATE TABLE encounter_scrubs (
    encounter_id TEXT PRIMARY KEY REFERENCES encounters (id) ON DELETE CASCADE,
    scrub_status TEXT NOT NULL CHECK (scrub_status = 'clean' OR scrub_status = 'warning' OR scrub_status = 'error'),
    scrubbed_hash TEXT NOT NULL,        -- content_hash the scrub_status belongs to
    primary_pcn TEXT NOT NULL,          -- CLM01 of the encounter's original primary claim
    payer_id TEXT NOT NULL,             -- encounters.payer_id of the content scrubbed
    scrubbed_at TEXT NOT NULL
) WITHOUT ROWID;
-- build reads its candidates in CLM01 order from this index alone.
CREATE INDEX encounter_scrubs_pcn ON encounter_scrubs (primary_pcn, scrub_status, scrubbed_hash);

-- The scrub result in force for every encounter (NULL: never scrubbed).
CREATE VIEW encounter_scrub_state (encounter_id, scrub_status, scrubbed_hash) AS
    SELECT e.id, s.scrub_status, s.scrubbed_hash
    FROM encounters e LEFT JOIN encounter_scrubs s ON s.encounter_id = e.id;

-- Findings of the last scrub, replaced per encounter on every scrub.
CREATE TABLE scrub_findings (
    encounter_id TEXT NOT NULL REFERENCES encounters (id) ON DELETE CASCADE,
    rule_id TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity = 'error' OR severity = 'warning' OR severity = 'info'),
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
    usage TEXT NOT NULL CHECK (usage = 'T' OR usage = 'P'),
    claim_count INTEGER NOT NULL,
    total_charge TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (sender_id, receiver_isa_id, isa13)
);

-- One claim sent to one payer. pcn is CLM01 (patient control number), <= 17 characters. What the
-- payer paid and who owes what is not kept here: it is the sum of the claim's ar_entries.
CREATE TABLE claims (
    pcn TEXT NOT NULL PRIMARY KEY,
    encounter_id TEXT NOT NULL REFERENCES encounters (id),
    payer_id TEXT NOT NULL,
    -- P primary, S secondary, T tertiary (SBR01 of the payer billed)
    responsibility TEXT NOT NULL CHECK (responsibility = 'P' OR responsibility = 'S' OR responsibility = 'T'),
    frequency TEXT NOT NULL CHECK (frequency = '1' OR frequency = '7' OR frequency = '8'),
    replaces_pcn TEXT REFERENCES claims (pcn),   -- for 7/8: the claim corrected or voided
    batch_id INTEGER REFERENCES batches (id),
    st02 TEXT,                          -- the transaction set carrying the claim
    encounter_hash TEXT NOT NULL,       -- encounter content_hash that was billed
    patient_id TEXT NOT NULL,
    member_id TEXT,                     -- the member ID billed (2010BA NM109)
    next_payer_id TEXT,                 -- the coverage after this payer (NULL: the patient is next)
    first_dos TEXT NOT NULL,
    last_dos TEXT NOT NULL,
    total_charge TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status = 'submitted' OR status = 'accepted' OR status = 'rejected' OR status = 'paid'
        OR status = 'partially_paid' OR status = 'denied' OR status = 'reversed' OR status = 'forwarded'
        OR status = 'voided'),
    payer_claim_number TEXT,            -- from 277CA REF*1K or 835 CLP07
    submitted_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX claims_encounter ON claims (encounter_id);
CREATE INDEX claims_replaces ON claims (replaces_pcn) WHERE replaces_pcn IS NOT NULL;
CREATE INDEX claims_payer_claim_number ON claims (payer_claim_number) WHERE payer_claim_number IS NOT NULL;
CREATE INDEX claims_first_dos ON claims (first_dos);
CREATE INDEX claims_patient ON claims (patient_id);

-- The service lines of a claim as billed. REF*6R is the PCN followed by the line number.
CREATE TABLE claim_lines (
    pcn TEXT NOT NULL REFERENCES claims (pcn),
    line_number INTEGER NOT NULL,       -- LX01
    line_control_number TEXT NOT NULL,  -- REF*6R
    procedure_code TEXT NOT NULL,
    modifiers TEXT NOT NULL,            -- ':'-separated, '' for none
    units TEXT NOT NULL,
    charge TEXT NOT NULL,
    date_of_service TEXT NOT NULL,
    rendering_npi TEXT,
    PRIMARY KEY (pcn, line_number)
) WITHOUT ROWID;

-- What happened to a claim besides its submission, in order: acknowledged, rejected, paid,
-- denied, reversed, corrected, voided...
CREATE TABLE claim_events (
    id INTEGER PRIMARY KEY,
    pcn TEXT NOT NULL REFERENCES claims (pcn),
    at TEXT NOT NULL,
    kind TEXT NOT NULL,                 -- ack_999, accepted, rejected, payment, denial, reversal, corrected, voided...
    status_after TEXT,                  -- the claim status this event left
    amount TEXT,                        -- money moved by the event, when any
    detail TEXT NOT NULL,               -- human-readable, no patient data
    source_file TEXT                    -- the file that caused it
);
CREATE INDEX claim_events_pcn ON claim_events (pcn, id);

-- A claim's whole history: its submission (from its claims row and batch) first, then its events.
CREATE VIEW claim_history AS
SELECT 0 AS seq, c.pcn, c.submitted_at AS at, 'submitted' AS kind, 'submitted' AS status_after,
    c.total_charge AS amount,
    CASE c.frequency WHEN '7' THEN 'replacement' WHEN '8' THEN 'void' ELSE 'original' END || ' claim to payer '
        || c.payer_id || ' sent in ' || substr(b.path, length(rtrim(b.path, replace(b.path, '/', ''))) + 1)
        || ' (ST02 ' || COALESCE(c.st02, '') || ')' AS detail,
    b.path AS source_file
FROM claims c JOIN batches b ON b.id = c.batch_id
UNION ALL
SELECT e.id, e.pcn, e.at, e.kind, e.status_after, e.amount, e.detail, e.source_file
FROM claim_events e;

-- Acknowledgments received: one row per acknowledged item (TA1 interchange, 999 transaction set or
-- group, 277CA claim), matched to our batches and claims or not (batch_id / pcn NULL).
CREATE TABLE acknowledgments (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind = 'TA1' OR kind = '999' OR kind = '277CA'),
    source_file TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    reference TEXT NOT NULL,            -- ISA13 (TA1), GS06/ST02 (999), CLM01 (277CA) as sent
    batch_id INTEGER REFERENCES batches (id),
    pcn TEXT REFERENCES claims (pcn),
    verdict TEXT NOT NULL CHECK (verdict = 'accepted' OR verdict = 'accepted_with_errors' OR verdict = 'rejected'
        OR verdict = 'other'),
    codes TEXT NOT NULL,                -- TA104/TA105, IK5 or STC codes as sent ("R 5", "A7:562:85")
    detail TEXT NOT NULL,               -- the codes explained, without patient data
    payer_claim_number TEXT,            -- REF*1K
    received_at TEXT NOT NULL
);
CREATE INDEX acknowledgments_pcn ON acknowledgments (pcn);
CREATE INDEX acknowledgments_batch ON acknowledgments (batch_id);

-- Code sets the user imports (CPT, HCPCS, NCCI PTP, MUE, fee schedule, official CARC/RARC text).
-- One version of each table is in force; importing a different file of the same kind replaces it.
-- CPT descriptors live only here, in the user's own ledger.
CREATE TABLE code_imports (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind = 'cpt' OR kind = 'hcpcs' OR kind = 'ncci-ptp' OR kind = 'mue'
        OR kind = 'fee-schedule' OR kind = 'carc' OR kind = 'rarc'),
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    row_count INTEGER NOT NULL,
    imported_at TEXT NOT NULL,
    replaced_at TEXT
);
CREATE UNIQUE INDEX code_imports_in_force ON code_imports (kind) WHERE replaced_at IS NULL;
CREATE TABLE code_procedures (
    system TEXT NOT NULL CHECK (system = 'cpt' OR system = 'hcpcs'),
    code TEXT NOT NULL,
    descriptor TEXT,
    valid_from TEXT,
    valid_to TEXT
);
CREATE INDEX code_procedures_code ON code_procedures (system, code);
CREATE TABLE code_ncci_ptp (
    column1 TEXT NOT NULL,
    column2 TEXT NOT NULL,
    prior_1996 INTEGER NOT NULL CHECK (prior_1996 = 0 OR prior_1996 = 1),
    effective TEXT NOT NULL,
    deletion TEXT,
    modifier_indicator INTEGER NOT NULL CHECK (modifier_indicator = 0 OR modifier_indicator = 1 OR modifier_indicator = 9),
    rationale TEXT NOT NULL
);
CREATE TABLE code_mue (
    code TEXT PRIMARY KEY,
    units INTEGER NOT NULL CHECK (units >= 0),
    adjudication_indicator INTEGER NOT NULL CHECK (adjudication_indicator = 1 OR adjudication_indicator = 2
        OR adjudication_indicator = 3),
    rationale TEXT NOT NULL
);
CREATE TABLE code_fees (
    payer_id TEXT NOT NULL,
    code TEXT NOT NULL,
    modifier TEXT,
    allowed TEXT NOT NULL,
    valid_from TEXT,
    valid_to TEXT
);
CREATE TABLE code_official_text (
    system TEXT NOT NULL CHECK (system = 'carc' OR system = 'rarc'),
    code TEXT NOT NULL,
    description TEXT NOT NULL,
    valid_from TEXT,
    valid_to TEXT
);

-- One 835 transaction set (one payment). The same payer + trace + amount is posted once.
CREATE TABLE remittances (
    id INTEGER PRIMARY KEY,
    source_file TEXT NOT NULL,
    sha256 TEXT NOT NULL,               -- of the whole file
    isa13 TEXT NOT NULL,
    gs06 TEXT NOT NULL,
    st02 TEXT NOT NULL,
    payer_id TEXT NOT NULL,             -- REF*2U, else N104 of N1*PR, else TRN03
    payer_name TEXT NOT NULL,
    payee_name TEXT NOT NULL,
    payee_npi TEXT,
    payee_tin TEXT,
    trace_number TEXT NOT NULL,         -- TRN02
    trace_originator TEXT NOT NULL,     -- TRN03
    total_paid TEXT NOT NULL,           -- BPR02
    credit_debit TEXT NOT NULL,         -- BPR03
    method TEXT NOT NULL,               -- BPR04
    payment_date TEXT,                  -- BPR16
    production_date TEXT,               -- DTM*405
    claim_count INTEGER NOT NULL DEFAULT 0,
    matched_count INTEGER NOT NULL DEFAULT 0,
    unmatched_count INTEGER NOT NULL DEFAULT 0,
    balanced INTEGER NOT NULL DEFAULT 1,
    finding_count INTEGER NOT NULL DEFAULT 0,
    posted_at TEXT NOT NULL,
    UNIQUE (payer_id, trace_number, total_paid)
);
CREATE INDEX remittances_sha256 ON remittances (sha256);
CREATE INDEX remittances_payment_date ON remittances (payment_date);

-- Balancing and guide findings of a remittance.
CREATE TABLE remittance_findings (
    id INTEGER PRIMARY KEY,
    remittance_id INTEGER NOT NULL REFERENCES remittances (id),
    level TEXT NOT NULL CHECK (level = 'file' OR level = 'transaction' OR level = 'claim' OR level = 'line'),
    code TEXT NOT NULL,                 -- LINE-UNBALANCED, CLAIM-UNBALANCED, TRANSACTION-UNBALANCED, BPR16-MISSING...
    pcn TEXT,                           -- CLP01
    line_number INTEGER,                -- SVC ordinal in the claim
    expected TEXT,
    actual TEXT,
    message TEXT NOT NULL,
    segment INTEGER NOT NULL,
    byte_offset INTEGER NOT NULL
);
CREATE INDEX remittance_findings_remittance ON remittance_findings (remittance_id);

-- One CLP. matched_pcn is the claim it was posted to (NULL: unmatched, see remit_unmatched).
CREATE TABLE claim_payments (
    id INTEGER PRIMARY KEY,
    remittance_id INTEGER NOT NULL REFERENCES remittances (id),
    clp01 TEXT NOT NULL,
    matched_pcn TEXT REFERENCES claims (pcn),
    match_method TEXT CHECK (match_method = 'pcn' OR match_method = 'payer_claim_number'
        OR match_method = 'patient_date_charge'),
    status_code TEXT NOT NULL,          -- CLP02
    charge TEXT NOT NULL,
    paid TEXT NOT NULL,
    patient_responsibility TEXT NOT NULL,
    filing_indicator TEXT NOT NULL,
    payer_claim_number TEXT,            -- CLP07
    facility_type TEXT,
    frequency TEXT,
    statement_from TEXT,
    statement_to TEXT,
    received_date TEXT,
    claim_status_after TEXT,            -- claims.status this posting left
    reversed_by INTEGER REFERENCES claim_payments (id),   -- the CLP02 22 that took this payment back
    segment INTEGER NOT NULL
);
CREATE INDEX claim_payments_remittance ON claim_payments (remittance_id);
CREATE INDEX claim_payments_pcn ON claim_payments (matched_pcn);

-- One SVC. The billed line it was matched to is (matched_pcn, matched_line_number).
CREATE TABLE service_payments (
    id INTEGER PRIMARY KEY,
    claim_payment_id INTEGER NOT NULL REFERENCES claim_payments (id),
    ordinal INTEGER NOT NULL,           -- 1-based SVC position in the CLP
    matched_pcn TEXT REFERENCES claims (pcn),
    matched_line_number INTEGER,
    match_method TEXT CHECK (match_method = 'line_control_number' OR match_method = 'code_date_charge'),
    qualifier TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    modifiers TEXT NOT NULL,            -- ':'-separated
    original_procedure_code TEXT,       -- SVC06-2
    charge TEXT NOT NULL,
    paid TEXT NOT NULL,
    allowed TEXT,                       -- AMT*B6
    revenue_code TEXT,
    units_paid TEXT NOT NULL,
    original_units TEXT,
    service_date TEXT,
    service_date_to TEXT,
    line_control_number TEXT,           -- REF*6R
    segment INTEGER NOT NULL,
    UNIQUE (claim_payment_id, ordinal)
);

-- CAS triplets: claim level (service_payment_id NULL) or line level.
CREATE TABLE remit_adjustments (
    id INTEGER PRIMARY KEY,
    claim_payment_id INTEGER NOT NULL REFERENCES claim_payments (id),
    service_payment_id INTEGER REFERENCES service_payments (id),
    group_code TEXT NOT NULL,           -- CO, PR, OA, PI, CR
    reason_code TEXT NOT NULL,          -- CARC
    amount TEXT NOT NULL,
    quantity TEXT
);
CREATE INDEX remit_adjustments_claim_payment ON remit_adjustments (claim_payment_id);

-- Remark codes: MOA/MIA (claim) and LQ (line).
CREATE TABLE remit_remark_codes (
    id INTEGER PRIMARY KEY,
    claim_payment_id INTEGER NOT NULL REFERENCES claim_payments (id),
    service_payment_id INTEGER REFERENCES service_payments (id),
    source TEXT NOT NULL CHECK (source = 'MOA' OR source = 'MIA' OR source = 'LQ'),
    code TEXT NOT NULL
);
CREATE INDEX remit_remark_codes_claim_payment ON remit_remark_codes (claim_payment_id);

-- PLB pairs. A reference that names one of our claims (CLP01 or the payer's claim number) ties
-- the entry to that claim (matched_pcn) and to its A/R.
CREATE TABLE provider_adjustments (
    id INTEGER PRIMARY KEY,
    remittance_id INTEGER NOT NULL REFERENCES remittances (id),
    provider_id TEXT NOT NULL,
    fiscal_period_date TEXT,
    reason_code TEXT NOT NULL,          -- WO, FB, L6, CV...
    reference TEXT,
    matched_pcn TEXT REFERENCES claims (pcn),
    amount TEXT NOT NULL,
    segment INTEGER NOT NULL
);
CREATE INDEX provider_adjustments_remittance ON provider_adjustments (remittance_id);
CREATE INDEX provider_adjustments_pcn ON provider_adjustments (matched_pcn) WHERE matched_pcn IS NOT NULL;

-- Claims and lines that could not be matched to what we billed: listed, never dropped.
CREATE TABLE remit_unmatched (
    id INTEGER PRIMARY KEY,
    remittance_id INTEGER NOT NULL REFERENCES remittances (id),
    claim_payment_id INTEGER NOT NULL REFERENCES claim_payments (id),
    line_ordinal INTEGER,               -- the SVC's position in the CLP (1-based), NULL for a claim
    kind TEXT NOT NULL CHECK (kind = 'claim' OR kind = 'line'),
    clp01 TEXT NOT NULL,
    procedure_code TEXT,
    charge TEXT NOT NULL,
    paid TEXT NOT NULL,
    reason TEXT NOT NULL,
    resolved_at TEXT
);
CREATE INDEX remit_unmatched_remittance ON remit_unmatched (remittance_id);

-- Paid lines whose allowed amount is below the contracted rate by more than the tolerance. An
-- underpayment of a claim payment later reversed no longer counts (claim_payments.reversed_by).
CREATE TABLE remit_underpayments (
    id INTEGER PRIMARY KEY,
    remittance_id INTEGER NOT NULL REFERENCES remittances (id),
    claim_payment_id INTEGER NOT NULL REFERENCES claim_payments (id),
    line_ordinal INTEGER NOT NULL,      -- the SVC's position in the CLP (1-based)
    pcn TEXT NOT NULL,
    line_number INTEGER,                -- claim_lines.line_number when matched
    payer_id TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    modifier TEXT,
    service_date TEXT,
    allowed TEXT NOT NULL,
    allowed_source TEXT NOT NULL CHECK (allowed_source = 'AMT*B6' OR allowed_source = 'charge-CO'),
    contract_rate TEXT NOT NULL,
    shortfall TEXT NOT NULL,            -- contract_rate - allowed
    tolerance TEXT NOT NULL,
    found_at TEXT NOT NULL
);
CREATE INDEX remit_underpayments_remittance ON remit_underpayments (remittance_id);
CREATE INDEX remit_underpayments_claim_payment ON remit_underpayments (claim_payment_id);

-- Payments the patient made at the front desk or by mail (`claimkit pay`), and refunds of credits.
-- The reference (receipt, check or card transaction number) makes a payment idempotent.
CREATE TABLE patient_payments (
    id INTEGER PRIMARY KEY,
    patient_id TEXT NOT NULL,
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    received_on TEXT NOT NULL,
    method TEXT NOT NULL,               -- cash, check, card, eft, other
    reference TEXT NOT NULL UNIQUE,
    is_refund INTEGER NOT NULL DEFAULT 0 CHECK (is_refund = 0 OR is_refund = 1),
    pcn TEXT REFERENCES claims (pcn),   -- applied to this claim's encounter, when the user said so
    note TEXT,
    source TEXT NOT NULL,               -- the command or file it came from
    posted_at TEXT NOT NULL
);
CREATE INDEX patient_payments_patient ON patient_payments (patient_id);

-- Accounts receivable as transactions: every money event on an encounter's line or claim. The
-- balance of a responsible party (a payer, or the patient when payer_id is NULL) is the sum of its
-- entries' amount_cents; nothing else stores a balance. Signs: a charge adds to what the party
-- owes (+); a payment, contractual adjustment or write-off reduces it (-); a transfer is a pair
-- (- on the party it leaves, + on the party it reaches); a refund of a patient credit adds (+).
-- Denial entries and interest move no money (amount_cents 0): noted_cents records the amount
-- denied or paid as interest. So for every line, claim, party and the whole ledger:
--   charges - payments - adjustments = sum(amount_cents) = A/R - credits.
CREATE TABLE ar_entries (
    id INTEGER PRIMARY KEY,
    patient_id TEXT NOT NULL,
    encounter_id TEXT REFERENCES encounters (id),    -- NULL: a patient credit not applied to a visit
    pcn TEXT REFERENCES claims (pcn),               -- the claim the event came through
    line_number INTEGER,                            -- the service line (LX), NULL for claim level
    kind TEXT NOT NULL CHECK (kind = 'charge' OR kind = 'payment' OR kind = 'contractual' OR kind = 'transfer'
        OR kind = 'denial' OR kind = 'writeoff' OR kind = 'patient_payment' OR kind = 'refund'
        OR kind = 'provider_level' OR kind = 'interest'),
    payer_id TEXT,                                  -- the responsible party; NULL = the patient
    amount_cents INTEGER NOT NULL,
    noted_cents INTEGER NOT NULL DEFAULT 0,
    group_code TEXT,                                -- CAS group (CO, PR, OA, PI, CR)
    reason_code TEXT,                               -- CARC, PLB reason, or write-off reason
    claim_payment_id INTEGER REFERENCES claim_payments (id),
    provider_adjustment_id INTEGER REFERENCES provider_adjustments (id),
    patient_payment_id INTEGER REFERENCES patient_payments (id),
    reverses_id INTEGER REFERENCES ar_entries (id), -- the entry a reversal takes back
    reference TEXT,                                 -- a write-off's key: the same write-off is made once
    note TEXT,
    effective_on TEXT NOT NULL,                     -- the date the event counts from
    posted_at TEXT NOT NULL
);
CREATE INDEX ar_entries_encounter ON ar_entries (encounter_id, payer_id, line_number);
CREATE INDEX ar_entries_patient ON ar_entries (patient_id, payer_id);
CREATE INDEX ar_entries_pcn ON ar_entries (pcn);
CREATE UNIQUE INDEX ar_entries_writeoff_reference ON ar_entries (reference) WHERE kind = 'writeoff';
CREATE INDEX ar_entries_claim_payment ON ar_entries (claim_payment_id) WHERE claim_payment_id IS NOT NULL;

-- Encounters whose balance has crossed over to a next coverage that has not been billed yet: the
-- work list of secondary (and tertiary) claims. A row is written when a posting transfers an
-- amount to the next payer and removed when that payer's claim is billed, so finding what to bill
-- costs the same whatever the ledger's history.
CREATE TABLE crossover_queue (
    encounter_id TEXT NOT NULL REFERENCES encounters (id),
    responsibility TEXT NOT NULL CHECK (responsibility = 'S' OR responsibility = 'T'),
    payer_id TEXT NOT NULL,
    prior_pcn TEXT NOT NULL REFERENCES claims (pcn),  -- the claim of the payer before it
    queued_at TEXT NOT NULL,
    PRIMARY KEY (encounter_id, responsibility)
) WITHOUT ROWID;
