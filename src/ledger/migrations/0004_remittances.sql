-- Remittances (835): each payment, its claims, service lines, adjustments, remark codes,
-- provider-level (PLB) entries, findings, unmatched items and underpayments. Written by
-- `claimkit remit` in one transaction per file. Money is decimal text, dates ISO text.

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
    level TEXT NOT NULL CHECK (level IN ('file', 'transaction', 'claim', 'line')),
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
    match_method TEXT CHECK (match_method IN ('pcn', 'payer_claim_number', 'patient_date_charge')),
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
    segment INTEGER NOT NULL
);
CREATE INDEX claim_payments_remittance ON claim_payments (remittance_id);
CREATE INDEX claim_payments_pcn ON claim_payments (matched_pcn);

-- One SVC. matched line is (matched_pcn, matched_line_number) in claim_lines.
CREATE TABLE service_payments (
    id INTEGER PRIMARY KEY,
    claim_payment_id INTEGER NOT NULL REFERENCES claim_payments (id),
    ordinal INTEGER NOT NULL,           -- 1-based SVC position in the CLP
    matched_pcn TEXT,
    matched_line_number INTEGER,
    match_method TEXT CHECK (match_method IN ('line_control_number', 'code_date_charge')),
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
    segment INTEGER NOT NULL
);
CREATE INDEX service_payments_claim_payment ON service_payments (claim_payment_id);

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
    source TEXT NOT NULL CHECK (source IN ('MOA', 'MIA', 'LQ')),
    code TEXT NOT NULL
);
CREATE INDEX remit_remark_codes_claim_payment ON remit_remark_codes (claim_payment_id);

-- PLB pairs: provider-level entries that count in BPR balancing but belong to no claim.
CREATE TABLE provider_adjustments (
    id INTEGER PRIMARY KEY,
    remittance_id INTEGER NOT NULL REFERENCES remittances (id),
    provider_id TEXT NOT NULL,
    fiscal_period_date TEXT,
    reason_code TEXT NOT NULL,          -- WO, FB, L6, CV...
    reference TEXT,
    amount TEXT NOT NULL,
    segment INTEGER NOT NULL
);
CREATE INDEX provider_adjustments_remittance ON provider_adjustments (remittance_id);

-- Claims and lines that could not be matched to what we billed: listed, never dropped.
CREATE TABLE remit_unmatched (
    id INTEGER PRIMARY KEY,
    remittance_id INTEGER NOT NULL REFERENCES remittances (id),
    claim_payment_id INTEGER NOT NULL REFERENCES claim_payments (id),
    service_payment_id INTEGER REFERENCES service_payments (id),
    kind TEXT NOT NULL CHECK (kind IN ('claim', 'line')),
    clp01 TEXT NOT NULL,
    procedure_code TEXT,
    charge TEXT NOT NULL,
    paid TEXT NOT NULL,
    reason TEXT NOT NULL,
    resolved_at TEXT
);
CREATE INDEX remit_unmatched_remittance ON remit_unmatched (remittance_id);

-- Paid lines whose allowed amount is below the contracted rate by more than the tolerance.
CREATE TABLE remit_underpayments (
    id INTEGER PRIMARY KEY,
    remittance_id INTEGER NOT NULL REFERENCES remittances (id),
    service_payment_id INTEGER NOT NULL REFERENCES service_payments (id),
    pcn TEXT NOT NULL,
    line_number INTEGER,                -- claim_lines.line_number when matched
    payer_id TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    modifier TEXT,
    service_date TEXT,
    allowed TEXT NOT NULL,
    allowed_source TEXT NOT NULL CHECK (allowed_source IN ('AMT*B6', 'paid+PR')),
    contract_rate TEXT NOT NULL,
    shortfall TEXT NOT NULL,            -- contract_rate - allowed
    tolerance TEXT NOT NULL,
    found_at TEXT NOT NULL
);
CREATE INDEX remit_underpayments_remittance ON remit_underpayments (remittance_id);

-- Fallback claim matching (patient + first date of service + charge).
CREATE INDEX claims_first_dos ON claims (first_dos);
