-- Tables, constraints and indexes of careteam. Every table that holds an
-- organization's data carries organization_id in its primary key, so that
-- composite foreign keys keep each row inside its organization and every
-- unique index can be checked one organization at a time.

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;

CREATE SCHEMA IF NOT EXISTS careteam;

-- unaccent() is only STABLE because its dictionary could be changed. Naming
-- the dictionary makes the result depend on the argument alone, which lets an
-- index and a generated column use it.
CREATE FUNCTION careteam.fold_name(name text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN btrim(regexp_replace(
    regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, name)),
                   '[''’`]', '', 'g'),
    '[\s,.-]+', ' ', 'g'));

CREATE FUNCTION careteam.touch_updated_at()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

CREATE TABLE careteam.organizations (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code       text NOT NULL UNIQUE
               CHECK (code ~ '^[a-z0-9][a-z0-9-]{0,31}$'),
    name       text NOT NULL CHECK (btrim(name) <> ''),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per person. role_name is the PostgreSQL role the person logs in
-- as, so current_user identifies the staff member.
CREATE TABLE careteam.staff (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    role_name    name NOT NULL UNIQUE,
    display_name text NOT NULL CHECK (btrim(display_name) <> ''),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE careteam.memberships (
    organization_id bigint NOT NULL REFERENCES careteam.organizations,
    staff_id        bigint NOT NULL REFERENCES careteam.staff,
    access_level    text NOT NULL DEFAULT 'clinician'
                    CHECK (access_level IN ('read-only', 'clinician', 'admin')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, staff_id)
);

CREATE TABLE careteam.providers (
    organization_id bigint NOT NULL REFERENCES careteam.organizations,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    npi             text NOT NULL CHECK (npi ~ '^[0-9]{10}$'),
    display_name    text NOT NULL CHECK (btrim(display_name) <> ''),
    specialty       text NOT NULL CHECK (btrim(specialty) <> ''),
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, id),
    CONSTRAINT uq_providers_npi UNIQUE (organization_id, npi)
);

-- care_team_version counts committed changes to the patient's care team.
-- Every write locks this row first, so writes to one patient's team run one
-- at a time, and a client can send the version it saw to detect a stale view.
CREATE TABLE careteam.patients (
    organization_id      bigint NOT NULL REFERENCES careteam.organizations,
    id                   bigint GENERATED ALWAYS AS IDENTITY,
    mrn                  text NOT NULL CHECK (mrn ~ '^[A-Za-z0-9-]{1,32}$'),
    family_name          text NOT NULL CHECK (btrim(family_name) <> ''),
    given_name           text NOT NULL,
    birth_date           date NOT NULL CHECK (birth_date >= '1880-01-01'),
    search_name          text GENERATED ALWAYS AS
                         (careteam.fold_name(given_name || ' ' || family_name)) STORED,
    care_team_version    bigint NOT NULL DEFAULT 0,
    care_team_changed_by bigint REFERENCES careteam.staff,
    care_team_changed_at timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, id),
    CONSTRAINT uq_patients_mrn UNIQUE (organization_id, mrn)
);

CREATE INDEX patients_search_name_trgm
    ON careteam.patients USING gin (search_name gin_trgm_ops);
CREATE INDEX patients_birth_date
    ON careteam.patients (organization_id, birth_date);

CREATE TABLE careteam.care_team_assignments (
    id              bigint GENERATED ALWAYS AS IDENTITY,
    organization_id bigint NOT NULL,
    patient_id      bigint NOT NULL,
    provider_id     bigint NOT NULL,
    role            text NOT NULL
                    CHECK (role IN ('PRIMARY', 'SPECIALIST', 'CONSULTANT')),
    assigned_at     timestamptz NOT NULL DEFAULT now(),
    assigned_by     bigint NOT NULL REFERENCES careteam.staff,
    removed_at      timestamptz,
    removed_by      bigint REFERENCES careteam.staff,
    removal_reason  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, id),
    -- Both links carry organization_id, so a patient of one organization can
    -- never be linked to a provider of another.
    FOREIGN KEY (organization_id, patient_id)
        REFERENCES careteam.patients (organization_id, id),
    FOREIGN KEY (organization_id, provider_id)
        REFERENCES careteam.providers (organization_id, id),
    CONSTRAINT care_team_removal_complete CHECK (
        (removed_at IS NULL AND removed_by IS NULL AND removal_reason IS NULL)
        OR (removed_at IS NOT NULL AND removed_by IS NOT NULL
            AND btrim(coalesce(removal_reason, '')) <> '')),
    CONSTRAINT care_team_removed_after_assigned
        CHECK (removed_at IS NULL OR removed_at >= assigned_at)
);

-- At most one active PRIMARY per patient. A removed PRIMARY (removed_at set)
-- falls out of the index and so does not block a new one.
CREATE UNIQUE INDEX uq_care_team_primary
    ON careteam.care_team_assignments (organization_id, patient_id)
    WHERE role = 'PRIMARY' AND removed_at IS NULL;

-- A provider is on a patient's active team at most once, whatever the role.
CREATE UNIQUE INDEX uq_care_team_patient_provider
    ON careteam.care_team_assignments (organization_id, patient_id, provider_id)
    WHERE removed_at IS NULL;

-- Loads a patient's team and history in one index range.
CREATE INDEX care_team_by_patient
    ON careteam.care_team_assignments (organization_id, patient_id);

-- Counts a provider's active PRIMARY panel.
CREATE INDEX care_team_primary_by_provider
    ON careteam.care_team_assignments (organization_id, provider_id)
    WHERE role = 'PRIMARY' AND removed_at IS NULL;

CREATE TRIGGER organizations_touch BEFORE UPDATE ON careteam.organizations
    FOR EACH ROW EXECUTE FUNCTION careteam.touch_updated_at();
CREATE TRIGGER staff_touch BEFORE UPDATE ON careteam.staff
    FOR EACH ROW EXECUTE FUNCTION careteam.touch_updated_at();
CREATE TRIGGER memberships_touch BEFORE UPDATE ON careteam.memberships
    FOR EACH ROW EXECUTE FUNCTION careteam.touch_updated_at();
CREATE TRIGGER providers_touch BEFORE UPDATE ON careteam.providers
    FOR EACH ROW EXECUTE FUNCTION careteam.touch_updated_at();
CREATE TRIGGER patients_touch BEFORE UPDATE ON careteam.patients
    FOR EACH ROW EXECUTE FUNCTION careteam.touch_updated_at();
CREATE TRIGGER care_team_assignments_touch
    BEFORE UPDATE ON careteam.care_team_assignments
    FOR EACH ROW EXECUTE FUNCTION careteam.touch_updated_at();
