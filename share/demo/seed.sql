-- Synthetic demo data for careteam: three organizations, their staff,
-- providers, patients and care teams. Every name is invented, made by
-- pairing given and family names from different cultures. The program runs
-- this script in one transaction with `careteam seed-demo`, after the
-- migrations, as a superuser or a role with BYPASSRLS. The same rows come
-- out on every run, because each random choice is a hash
-- (hashtextextended) of a fixed key: the MRN or NPI and the name of the
-- choice. Every generated timestamp falls in working hours (UTC) between
-- 2015-10-01 and 2025-09-30.
--
-- Organizations, with their providers and patients (MRNs):
--   northside  Northside Family Clinic      90 providers, N000001 to N009000
--   riverside  Riverside Health Partners    70 providers, R000001 to R007000
--   lakeview   Lakeview Community Practice  40 providers, L000001 to L004000
--
-- The role that logs in to run the script (session_user, which careteam takes
-- as the staff identity) gets a staff row named "Demo User" if it has none,
-- and clinician access to northside and riverside. It is not a member of
-- lakeview, which shows that each organization's data is kept apart.
--
-- Fixed records in northside, for tests and docs:
--   provider NPI 1000000001  Dr. Ada Okafor          Family medicine  active
--   provider NPI 1000000002  Dr. Bruno Lindqvist     Cardiology       active
--   provider NPI 1000000003  Dr. Chidi Mensah-Bonsu  Endocrinology    active
--   provider NPI 1000000004  Dr. Dana Whitfield      Family medicine  inactive
--   patient N000001  José Müller-Lüdenscheidt (family Müller-Lüdenscheidt,
--                    given José), born 1970-01-02. Care team: Dr. Ada Okafor
--                    PRIMARY and Dr. Bruno Lindqvist SPECIALIST, no removed
--                    rows, care_team_version 2.
--   patient N000002  Zoë O'Brien (family O'Brien, given Zoë), born
--                    1980-03-04. No care team, care_team_version 0.
--   patient N000003  王 芳 (family 王, given 芳), born 1992-11-30. No care
--                    team, care_team_version 0.
-- No generated patient is a José whose family name starts with Müller, a Zoë
-- O'Brien or a 王 芳, so searches for "jose muller", "zoe obrien" and "王 芳"
-- list the fixed patient first. No generated provider shares a fixed
-- provider's given or family name. The other providers and patients,
-- including the size of Dr. Ada Okafor's panel, follow from the generator
-- below.
--
-- Staff. Each role name is demo_ and the name in lower-case ASCII, such as
-- demo_amara_nwosu; these roles need not exist in PostgreSQL.
--   northside  admin Amara Nwosu; clinician Tomasz Wróbel, Ingrid Halvorsen,
--              Mateus Okonkwo; read-only Rafael Szymański, Yusuf Delacroix
--   riverside  admin Keiko Brennan; clinician Amara Nwosu, Samir Haddad,
--              Lúcia Ferreira; read-only Oisín Achterberg, Yusuf Delacroix
--   lakeview   admin Priya Lindahl; clinician Samir Haddad, Hana Kowalczyk,
--              Mateus Okonkwo; read-only Ingrid Halvorsen, Yusuf Delacroix
-- Noor Vasquez (demo_noor_vasquez) has no membership. The generated history
-- names only clinicians and admins of the patient's organization.
--
-- Provider NPIs run from 1000000001 to 1000000200, so each is unique across
-- all three organizations. They are not checked against the NPI check digit;
-- the schema requires ten digits only.
--
-- Patient names cover accents (Nguyễn, Łukasz, Ødegård, Ñúñez), apostrophes
-- (O'Brien, and O’Neill with U+2019), hyphens, particles with spaces
-- (Van der Berg), non-Latin scripts (Chinese, Japanese, Korean, Arabic,
-- Devanagari, Cyrillic, Greek, Hebrew, Thai, Georgian, Armenian), decomposed
-- accents (NFD, about 2% of the Latin names) and full names of up to 64
-- characters. Family names follow a power law: a few are common, most rare.

DO $$
DECLARE
    v_existing text;
BEGIN
    -- The names below are UTF-8. With another client encoding the server
    -- would convert their bytes as if they were in that encoding, and store
    -- wrong names.
    IF current_setting('server_encoding') <> 'UTF8'
       OR current_setting('client_encoding') <> 'UTF8' THEN
        RAISE EXCEPTION 'demo data needs UTF8, not server % and client %',
              current_setting('server_encoding'),
              current_setting('client_encoding')
              USING ERRCODE = 'character_not_in_repertoire',
                    HINT = 'Create the database with ENCODING ''UTF8'' '
                           'and connect with client_encoding UTF8.';
    END IF;

    IF to_regclass('careteam.patients') IS NULL THEN
        RAISE EXCEPTION 'the careteam schema is missing'
              USING ERRCODE = 'undefined_table',
                    HINT = 'Run careteam migrate first.';
    END IF;

    -- With row-level security forced, the policies let no other role insert
    -- these rows, not even the tables' owner.
    IF EXISTS (SELECT FROM pg_class
                WHERE oid = 'careteam.patients'::regclass
                  AND relforcerowsecurity)
       AND NOT EXISTS (SELECT FROM pg_roles
                        WHERE rolname = current_user
                          AND (rolsuper OR rolbypassrls)) THEN
        RAISE EXCEPTION 'role % cannot load the demo data', current_user
              USING ERRCODE = 'insufficient_privilege',
                    DETAIL = 'The careteam tables use row-level security.',
                    HINT = 'Run seed-demo as a superuser or a role with '
                           'BYPASSRLS.';
    END IF;

    SELECT code INTO v_existing FROM careteam.organizations
     WHERE code IN ('northside', 'riverside', 'lakeview')
     ORDER BY array_position(ARRAY['northside', 'riverside', 'lakeview'],
                             code)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'demo data is already loaded'
              USING ERRCODE = 'duplicate_object',
                    DETAIL = format('Organization %s already exists.',
                                    v_existing),
                    HINT = 'Load the demo data into a database that has '
                           'only the migrations applied.';
    END IF;
END
$$;

-- The statements below are planned once and run once. JIT compiles their
-- large expressions for longer than they take to run: about half a second
-- for the provider insert alone on PostgreSQL 15, which runs in 5 ms.
SET LOCAL jit = off;
SET LOCAL work_mem = '64MB';

-- Helpers, dropped at the end. seed_unit maps a key to a number in [0, 1)
-- taken from the low 32 bits of its hashtextextended, so every choice depends
-- on its key only, not on the plan or the row order.
CREATE FUNCTION pg_temp.seed_unit(key text)
RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT
RETURN (hashtextextended(key, 0) & 4294967295) / 4294967296.0::double precision;

-- Returns an element of members, the position given by u in [0, 1).
CREATE FUNCTION pg_temp.seed_pick(members bigint[], u double precision)
RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT
RETURN members[1 + floor(u * cardinality(members))::integer];

-- Returns the time at epoch seconds e, moved into the working hours 08:00 to
-- 17:30 UTC of its day and floored to the minute. Later times never move
-- before earlier ones.
CREATE FUNCTION pg_temp.seed_office_time(e double precision)
RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT
RETURN to_timestamp(floor(e / 86400) * 86400 + 8 * 3600
                    + floor((e - floor(e / 86400) * 86400) / 86400 * 570) * 60);

-- Returns the time at fraction u of the way from t0 to t1, moved into working
-- hours and kept between t0 and t1. It works on epoch seconds, so the
-- session's TimeZone has no effect.
CREATE FUNCTION pg_temp.seed_between(t0 timestamptz, t1 timestamptz,
                                     u double precision)
RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT
RETURN greatest(t0, least(t1, pg_temp.seed_office_time(
           date_part('epoch', t0)
           + (date_part('epoch', t1) - date_part('epoch', t0)) * u)));

-- The latest time any generated care-team change happens.
CREATE FUNCTION pg_temp.seed_anchor()
RETURNS timestamptz
LANGUAGE sql IMMUTABLE
RETURN timestamptz '2025-09-30 17:30:00+00';

-- The audit trigger of care_team_assignments would record every generated
-- row as a change made now by the loading role, although the rows describe
-- changes made years ago by other staff, and the notify trigger would queue
-- a notification for each patient. In a test load they made it about three
-- times slower (15 s instead of 4 s). Both are disabled until the end of the
-- script, which restores each to the mode it had, and one audit row per
-- organization records the load instead.
CREATE TEMP TABLE seed_paused_trigger (
    name name PRIMARY KEY,
    mode "char" NOT NULL
) ON COMMIT DROP;

DO $$
DECLARE
    v_trigger record;
BEGIN
    FOR v_trigger IN
        SELECT tgname, tgenabled FROM pg_trigger
         WHERE tgrelid = 'careteam.care_team_assignments'::regclass
           AND tgname IN ('care_team_assignments_audit',
                          'care_team_assignments_notify')
           AND tgenabled <> 'D'
    LOOP
        EXECUTE format('ALTER TABLE careteam.care_team_assignments '
                       'DISABLE TRIGGER %I', v_trigger.tgname);
        INSERT INTO seed_paused_trigger (name, mode)
        VALUES (v_trigger.tgname, v_trigger.tgenabled);
    END LOOP;
END
$$;

-- Organizations, staff and memberships.

INSERT INTO careteam.organizations (code, name)
VALUES ('northside', 'Northside Family Clinic'),
       ('riverside', 'Riverside Health Partners'),
       ('lakeview', 'Lakeview Community Practice');

INSERT INTO careteam.staff (role_name, display_name)
VALUES ('demo_amara_nwosu', 'Amara Nwosu'),
       ('demo_tomasz_wrobel', 'Tomasz Wróbel'),
       ('demo_ingrid_halvorsen', 'Ingrid Halvorsen'),
       ('demo_rafael_szymanski', 'Rafael Szymański'),
       ('demo_keiko_brennan', 'Keiko Brennan'),
       ('demo_samir_haddad', 'Samir Haddad'),
       ('demo_lucia_ferreira', 'Lúcia Ferreira'),
       ('demo_oisin_achterberg', 'Oisín Achterberg'),
       ('demo_priya_lindahl', 'Priya Lindahl'),
       ('demo_mateus_okonkwo', 'Mateus Okonkwo'),
       ('demo_hana_kowalczyk', 'Hana Kowalczyk'),
       ('demo_yusuf_delacroix', 'Yusuf Delacroix'),
       ('demo_noor_vasquez', 'Noor Vasquez'),
       (session_user, 'Demo User')
ON CONFLICT (role_name) DO NOTHING;

-- The session_user rows come last, so that if session_user happens to be one
-- of the invented role names, that person's listed memberships win.
INSERT INTO careteam.memberships (organization_id, staff_id, access_level)
SELECT o.id, s.id, m.access_level
  FROM (VALUES ('northside', 'demo_amara_nwosu', 'admin'),
               ('northside', 'demo_tomasz_wrobel', 'clinician'),
               ('northside', 'demo_ingrid_halvorsen', 'clinician'),
               ('northside', 'demo_rafael_szymanski', 'read-only'),
               ('northside', 'demo_mateus_okonkwo', 'clinician'),
               ('northside', 'demo_yusuf_delacroix', 'read-only'),
               ('riverside', 'demo_keiko_brennan', 'admin'),
               ('riverside', 'demo_amara_nwosu', 'clinician'),
               ('riverside', 'demo_samir_haddad', 'clinician'),
               ('riverside', 'demo_lucia_ferreira', 'clinician'),
               ('riverside', 'demo_oisin_achterberg', 'read-only'),
               ('riverside', 'demo_yusuf_delacroix', 'read-only'),
               ('lakeview', 'demo_priya_lindahl', 'admin'),
               ('lakeview', 'demo_samir_haddad', 'clinician'),
               ('lakeview', 'demo_hana_kowalczyk', 'clinician'),
               ('lakeview', 'demo_mateus_okonkwo', 'clinician'),
               ('lakeview', 'demo_ingrid_halvorsen', 'read-only'),
               ('lakeview', 'demo_yusuf_delacroix', 'read-only'),
               ('northside', session_user, 'clinician'),
               ('riverside', session_user, 'clinician'))
       AS m (code, role_name, access_level)
  JOIN careteam.organizations o ON o.code = m.code
  JOIN careteam.staff s ON s.role_name = m.role_name
ON CONFLICT (organization_id, staff_id) DO NOTHING;

-- Providers. Each specialty fills weight slots of a 31-slot cycle, and
-- provider n takes slot (11 n) mod 31, so any 31 consecutive providers cover
-- every specialty. Clinicians with a credential are not physicians and are
-- shown as "Name, CREDENTIAL" instead of "Dr. Name". primary_care marks the
-- specialties a PRIMARY is chosen from.

CREATE TEMP TABLE seed_specialty (
    ord          integer PRIMARY KEY,
    name         text NOT NULL,
    weight       integer NOT NULL,
    primary_care boolean NOT NULL,
    credential   text
) ON COMMIT DROP;

INSERT INTO seed_specialty (ord, name, weight, primary_care, credential)
VALUES (1, 'Family medicine', 6, true, NULL),
       (2, 'Internal medicine', 5, true, NULL),
       (3, 'Pediatrics', 3, true, NULL),
       (4, 'Geriatrics', 1, true, NULL),
       (5, 'Cardiology', 2, false, NULL),
       (6, 'Endocrinology', 1, false, NULL),
       (7, 'Nephrology', 1, false, NULL),
       (8, 'Oncology', 1, false, NULL),
       (9, 'Psychiatry', 1, false, NULL),
       (10, 'Dermatology', 1, false, NULL),
       (11, 'Pulmonology', 1, false, NULL),
       (12, 'Neurology', 1, false, NULL),
       (13, 'Rheumatology', 1, false, NULL),
       (14, 'Gastroenterology', 1, false, NULL),
       (15, 'Infectious disease', 1, false, NULL),
       (16, 'Obstetrics and gynecology', 1, false, NULL),
       (17, 'Physical therapy', 1, false, 'PT'),
       (18, 'Nutrition', 1, false, 'RD'),
       (19, 'Social work', 1, false, 'LCSW');

INSERT INTO careteam.providers (organization_id, npi, display_name, specialty,
                                active)
SELECT o.id, f.npi, f.display_name, f.specialty, f.active
  FROM (VALUES ('1000000001', 'Dr. Ada Okafor', 'Family medicine', true),
               ('1000000002', 'Dr. Bruno Lindqvist', 'Cardiology', true),
               ('1000000003', 'Dr. Chidi Mensah-Bonsu', 'Endocrinology', true),
               ('1000000004', 'Dr. Dana Whitfield', 'Family medicine', false))
       AS f (npi, display_name, specialty, active)
  JOIN careteam.organizations o ON o.code = 'northside'
 ORDER BY f.npi;

-- Generated provider n is named given[17 n mod 61] family[19 n mod 67]. The
-- list sizes 61 and 67 are coprime, so no two of the first 4087 providers
-- share a name. Neither list contains a part of the four fixed names.
WITH name_part AS (
    SELECT ARRAY['Abimbola', 'Anneliese', 'Arjun', 'Beatriz', 'Caio',
                 'Camille', 'Dagmar', 'Desmond', 'Elif', 'Emil', 'Esperanza',
                 'Farida', 'Fenna', 'Gideon', 'Haruka', 'Henrik', 'Ifeoma',
                 'Ilse', 'Jasper', 'Kalinda', 'Kenji', 'Laila', 'Leopold',
                 'Marisol', 'Mirela', 'Nadia', 'Naveen', 'Odile', 'Orla',
                 'Pavel', 'Rania', 'Rosalind', 'Sefa', 'Soledad', 'Tariq',
                 'Tove', 'Ugo', 'Valentina', 'Wendell', 'Xiomara', 'Yara',
                 'Aurelio', 'Bettina', 'Cosmin', 'Delphine', 'Eamon', 'Folake',
                 'Greta', 'Hamid', 'Ivo', 'Kasimir', 'Liesel', 'Nilufar',
                 'Osvaldo', 'Petra', 'Quentin', 'Radhika', 'Saoirse', 'Teodor',
                 'Vikram', 'Zainab']
               AS given,
           ARRAY['Abara', 'Bergström', 'Castellanos', 'Dahlberg',
                 'Drăgulescu', 'Eklund', 'Falade', 'Haugland', 'Ibekwe',
                 'Jaramillo', 'Kaminski', 'Kovalenko', 'Laurent', 'Marchetti',
                 'Mwangi', 'Nakagawa', 'Nwachukwu', 'Okereke', 'Olufemi',
                 'Pereira', 'Quiroga', 'Rasmussen', 'Sandoval', 'Takeda',
                 'Thorvaldsen', 'Valdivia', 'Weatherby', 'Yamaguchi',
                 'Zieliński', 'Agarwal', 'Fonseca', 'Hallström', 'Iwu',
                 'Janssens', 'Lombardi', 'Moyo', 'Nordahl', 'Pacheco',
                 'Rautio', 'Sasaki', 'Tembo', 'Vlahos', 'Wójcik',
                 'Adebayo-Cole', 'Brandão', 'Carrizo', 'Dimitrov', 'Endo',
                 'Fairweather', 'Gallo', 'Ishikawa', 'Jablonski', 'Kiptoo',
                 'Lachance', 'Maalouf', 'Nadeau', 'Okoro', 'Pellegrini',
                 'Rocha', 'Salonen', 'Tanaka-Reyes', 'Uribe', 'Varga',
                 'Whitcombe', 'Yıldız', 'Zapata', 'Ferraro']
               AS family
),
specialty_slot AS (
    SELECT row_number() OVER (ORDER BY s.ord, k) - 1 AS slot, s.name,
           s.credential
      FROM seed_specialty s
     CROSS JOIN generate_series(1, s.weight) AS k
),
provider_range (code, first_n, last_n) AS (
    VALUES ('northside', 5, 90), ('riverside', 91, 160), ('lakeview', 161, 200)
)
INSERT INTO careteam.providers (organization_id, npi, display_name, specialty,
                                active)
SELECT o.id,
       (1000000000 + n)::text,
       CASE WHEN sp.credential IS NULL THEN 'Dr. ' || pn.full_name
            ELSE pn.full_name || ', ' || sp.credential
       END,
       sp.name,
       pg_temp.seed_unit('provider:' || n || ':inactive') >= 0.05
  FROM provider_range r
  JOIN careteam.organizations o ON o.code = r.code
 CROSS JOIN generate_series(r.first_n, r.last_n) AS n
 CROSS JOIN name_part np
 CROSS JOIN LATERAL (
       SELECT np.given[1 + (17 * n) % cardinality(np.given)] || ' '
              || np.family[1 + (19 * n) % cardinality(np.family)]
              AS full_name) AS pn
  JOIN specialty_slot sp
    ON sp.slot = (11 * n) % (SELECT count(*) FROM specialty_slot)
 ORDER BY n;

-- Patient name lists, most frequent first. The culture column groups the
-- names, and a generated patient never gets a given and a family name from
-- the same group. Spanish and Portuguese share a group, as do the
-- Scandinavian languages.

CREATE TEMP TABLE seed_family (
    ord     integer PRIMARY KEY,
    name    text NOT NULL,
    culture text NOT NULL
) ON COMMIT DROP;

CREATE TEMP TABLE seed_given (
    ord     integer PRIMARY KEY,
    name    text NOT NULL,
    culture text NOT NULL
) ON COMMIT DROP;

-- Pairs of given name and first family name that no generated patient gets:
-- the fixed patients' names, and names of well-known people that the
-- culture rule lets through.
CREATE TEMP TABLE seed_reserved_name (
    given  text NOT NULL,
    family text NOT NULL,
    PRIMARY KEY (given, family)
) ON COMMIT DROP;

INSERT INTO seed_reserved_name (given, family)
VALUES ('José', 'Müller'), ('Zoë', 'O''Brien'), ('Liam', 'Smith'),
       ('Maria', 'Schmidt'), ('Maria', 'Walsh');

-- Names written in their own script. A patient takes both names from one
-- group, and groups split by gender where the family name has a male and a
-- female form (Russian, Greek). script_ord orders the groups by frequency.
CREATE TEMP TABLE seed_script_name (
    script_ord integer NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('family', 'given')),
    ord        integer NOT NULL,
    name       text NOT NULL,
    PRIMARY KEY (script_ord, kind, ord)
) ON COMMIT DROP;

INSERT INTO seed_family (ord, name, culture)
SELECT e.ord, substr(e.entry, strpos(e.entry, ':') + 1),
       split_part(e.entry, ':', 1)
  FROM unnest(ARRAY[
          'vi:Nguyễn', 'en:Smith', 'ib:García', 'de:Müller', 'in:Patel',
          'pl:Kowalski', 'ib:Rodríguez', 'vi:Trần', 'en:Johnson', 'ib:Silva',
          'fr:Martin', 'de:Schmidt', 'ko:Kim', 'ib:Hernández', 'ga:O''Brien',
          'it:Rossi', 'yo:Adeyemi', 'vi:Lê', 'ib:Fernández', 'cs:Novak',
          'ar:Haddad', 'tr:Yılmaz', 'nordic:Andersson', 'fr:Dubois',
          'pl:Wiśniewski', 'ib:Ferreira', 'in:Sharma', 'vi:Phạm',
          'en:Ashworth', 'pl:Nowak', 'nordic:Ødegård', 'it:D''Angelo',
          'ig:Okonkwo', 'ib:Ñúñez', 'ja:Takahashi', 'zh:Chen', 'fr:Lefèvre',
          'ib:Gonçalves', 'ak:Mensah', 'ar:Mahmoud', 'tr:Öztürk',
          'nl:Van der Berg', 'en:Smith-Jones', 'ga:Walsh', 'sr:Jovanović',
          'cs:Dvořák', 'pl:Łukaszewicz', 'it:Bianchi', 'vi:Hoàng',
          'nordic:Lindgren', 'zu:Mbatha', 'ar:Ibrahim', 'ib:De la Cruz',
          'pl:Kaczmarek', 'ja:Nakamura', 'nordic:Blöndal', 'tr:Çelik',
          'ko:Park', 'ga:O''Connor', 'sr:Petrović', 'de:Vogel', 'fr:Moreau',
          'ib:Costa', 'it:Esposito', 'ha:Abubakar', 'in:Reddy', 'ja:Yamamoto',
          'nordic:Sæther', 'en:MacLeod', 'wo:N''Diaye', 'pl:Jankowski',
          'ib:Castillo', 'vi:Đặng', 'fr:Lambert', 'ig:Nkemelu',
          'nordic:Haraldsen', 'it:Dell''Acqua', 'ko:Choi', 'ar:Al-Masri',
          'hu:Szabó', 'hu:Horváth', 'hr:Kovačević', 'ga:Ó Súilleabháin',
          'in:D''Souza', 'nl:Achterberg', 'gr:Papadakis', 'gr:Georgiou',
          'qu:Quispe', 'qu:Mamani', 'to:Tupou', 'haw:Kealoha', 'ib:Ramírez',
          'ib:Moreno', 'ja:Watanabe', 'zh:Zhou', 'zh:Huang', 'zh:Liu',
          'ar:Aziz', 'ak:Osei', 'ak:Owusu', 'nordic:Nygaard', 'nordic:Bakke',
          'fi:Virtanen', 'fi:Korhonen', 'fi:Mäkinen', 'et:Tamm',
          'lt:Kazlauskas', 'lv:Bērziņš', 'ro:Popescu', 'ro:Ionescu',
          'de:Grünewald', 'de:Weiß', 'de:Großmann', 'fr:Fontaine',
          'fr:Guérin', 'fr:Lacroix', 'in:Chatterjee', 'in:Venkataraman',
          'in:Banerjee', 'en:Thompson', 'en:Hughes', 'ga:Gallagher',
          'ga:Murphy', 'ga:Doyle', 'ga:O’Neill', 'ga:O''Neill', 'yo:Oyelaran',
          'yo:Balogun', 'ig:Eze', 'ki:Kamau', 'ki:Wanjiru', 'luo:Otieno',
          'am:Abebe', 'am:Tesfaye', 'bn:Rahman', 'bn:Hossain', 'ur:Siddiqui',
          'ur:Qureshi', 'fa:Moradi', 'fa:Hosseini', 'fa:Karimi',
          'he:Ben-David', 'he:Levi', 'he:Mizrahi',
          'gr:Papadimitriou-Vasilakopoulou', 'in:Bhattacharyya-Raghunathan',
          'de:Schwarzenfeld-Hohenlindenau',
          'ib:Montesinos de la Fuente y Villalobos',
          'yo:Oyelaran-Adeyemi-Ogunleye'])
       WITH ORDINALITY AS e (entry, ord);

INSERT INTO seed_given (ord, name, culture)
SELECT e.ord, substr(e.entry, strpos(e.entry, ':') + 1),
       split_part(e.entry, ':', 1)
  FROM unnest(ARRAY[
          'ib:Maria', 'zh:Wei', 'en:Olivia', 'ar:Mohammed', 'ib:Sofía',
          'ga:Liam', 'ar:Aisha', 'de:Lukas', 'zh:Mei', 'en:Noah', 'ar:Fatima',
          'ib:Mateo', 'in:Ananya', 'en:Emma', 'tr:Yusuf', 'fr:Chloé',
          'ja:Hiroshi', 'en:Zoë', 'ak:Kwame', 'nordic:Ingrid', 'ib:José',
          'in:Priya', 'pl:Łukasz', 'ig:Ngozi', 'fr:François', 'fr:Jean-Luc',
          'fr:Anaïs', 'nordic:Björn', 'nordic:Søren', 'ig:Chiamaka',
          'in:Aarav', 'nordic:Astrid', 'ib:Lucía', 'ib:Inés', 'ib:Joaquín',
          'yo:Oluwaseun', 'ig:Amara', 'zu:Thandiwe', 'ig:Emeka', 'fa:Leila',
          'ar:Omar', 'in:Ravi', 'ru:Dmitri', 'pl:Katarzyna', 'pl:Zofia',
          'pl:Agnieszka', 'ro:Mihai', 'ro:Ioana', 'ga:Siobhán', 'ga:Niamh',
          'ga:Ciarán', 'ga:Aoife', 'ga:Seán', 'vi:Minh', 'vi:Thảo', 'vi:Linh',
          'vi:Đức', 'ja:Yuki', 'ja:Haruto', 'ja:Sakura', 'ko:Ji-woo',
          'ko:Seo-yeon', 'ko:Min-jun', 'ib:João', 'ib:Gonçalo', 'ib:Inês',
          'ib:Tiago', 'ib:Beatriz', 'de:Matthias', 'de:Jürgen',
          'nordic:Göran', 'nordic:Åsa', 'fi:Eero', 'fi:Aino', 'gr:Nikolaos',
          'gr:Eleni', 'gr:Dimitra', 'it:Giulia', 'it:Lorenzo', 'it:Francesca',
          'it:Niccolò', 'ak:Kofi', 'ak:Abena', 'yo:Tunde', 'ig:Adaeze',
          'yo:Olumide', 'ki:Wanjiku', 'ki:Baraka', 'am:Selam', 'am:Dawit',
          'bn:Farhan', 'bn:Nusrat', 'ur:Imran', 'ur:Ayesha', 'fa:Dariush',
          'fa:Shirin', 'he:Noa', 'he:Eitan', 'fr:Renée', 'fr:Hélène',
          'hu:Zoltán', 'hu:Réka', 'hr:Ivana', 'cs:Marek', 'cs:Tereza',
          'lt:Rūta', 'haw:Kalani', 'to:Mele', 'qu:Illari', 'nordic:Magnús',
          'nordic:Þóra', 'nordic:Guðrún', 'tr:Ayşe', 'tr:Mehmet', 'tr:Elif',
          'tr:İbrahim', 'nordic:Dagný', 'gr:Maria-Konstantina Evangelia',
          'de:Anna-Katharina Friederike', 'yo:Oluwadamilare Temitope',
          'fr:Jean-Baptiste Marie-Olivier', 'mx:Xochiquetzal Guadalupe'])
       WITH ORDINALITY AS e (entry, ord);

-- No group gives 王 芳, the name of fixed patient N000003.
WITH script_group (script_ord, families, givens) AS (
    VALUES (1, ARRAY['王', '李', '张', '刘', '陈', '杨', '赵', '黄'],
               ARRAY['秀英', '明轩', '雨桐', '子涵', '嘉怡', '晓东', '思远', '静怡']),
           (2, ARRAY['佐藤', '鈴木', '高橋', '渡辺', '伊藤', '山本', '中村', '小林'],
               ARRAY['美咲', '陽菜', '蓮', '悠真', 'さくら', '湊', '陽翔', '結菜']),
           (3, ARRAY['김', '이', '박', '최', '정', '강', '조', '윤'],
               ARRAY['민준', '서연', '지호', '하은', '도윤', '수아', '예준']),
           (4, ARRAY['العمري', 'حداد', 'الخطيب', 'منصور', 'الزهراني'],
               ARRAY['سارة', 'يوسف', 'ليلى', 'رنا', 'نور', 'عمر']),
           (5, ARRAY['शर्मा', 'वर्मा', 'गुप्ता', 'जोशी'],
               ARRAY['प्रिया', 'अर्जुन', 'अनन्या', 'कविता', 'रोहन']),
           (6, ARRAY['Иванова', 'Кузнецова', 'Соколова', 'Попова'],
               ARRAY['Дарья', 'Полина', 'Вера', 'Ульяна']),
           (7, ARRAY['Смирнов', 'Волков', 'Морозов', 'Соколов'],
               ARRAY['Артём', 'Тимофей', 'Глеб', 'Матвей']),
           (8, ARRAY['Петренко', 'Шевчук', 'Бондаренко'],
               ARRAY['Оксана', 'Тарас', 'Олена']),
           (9, ARRAY['Παπαδόπουλος', 'Νικολαΐδης', 'Γεωργίου'],
               ARRAY['Σταύρος', 'Αθανάσιος', 'Κωνσταντίνος']),
           (10, ARRAY['Παπαδοπούλου', 'Οικονόμου', 'Νικολαΐδου'],
                ARRAY['Δέσποινα', 'Ελένη', 'Αικατερίνη']),
           (11, ARRAY['כהן', 'לוי', 'מזרחי', 'פרידמן'],
                ARRAY['נועה', 'איתן', 'תמר', 'יונתן']),
           (12, ARRAY['Јовановић', 'Петровић', 'Николић'],
                ARRAY['Милица', 'Стефан', 'Јована']),
           (13, ARRAY['ศรีสุข', 'วงศ์ใหญ่', 'แก้วมณี', 'ทองดี'],
                ARRAY['มาลี', 'สมศักดิ์', 'อรุณี', 'ประเสริฐ']),
           (14, ARRAY['ბერიძე', 'კაპანაძე', 'გელაშვილი'],
                ARRAY['ნინო', 'გიორგი', 'თამარი']),
           (15, ARRAY['Հովհաննիսյան', 'Պետրոսյան', 'Գրիգորյան'],
                ARRAY['Անի', 'Նարե', 'Դավիթ'])
)
INSERT INTO seed_script_name (script_ord, kind, ord, name)
SELECT g.script_ord, 'family', f.ord, f.name
  FROM script_group g
 CROSS JOIN LATERAL unnest(g.families) WITH ORDINALITY AS f (name, ord)
UNION ALL
SELECT g.script_ord, 'given', n.ord, n.name
  FROM script_group g
 CROSS JOIN LATERAL unnest(g.givens) WITH ORDINALITY AS n (name, ord);

-- Patients before insertion. since is the earliest time a care-team change
-- may carry: the date of birth, or 2015-10-01 for anyone born before it.

CREATE TEMP TABLE seed_person (
    organization_id bigint NOT NULL,
    mrn             text NOT NULL,
    family_name     text NOT NULL,
    given_name      text NOT NULL,
    birth_date      date NOT NULL,
    since           timestamptz NOT NULL,
    fixed           boolean NOT NULL,
    PRIMARY KEY (organization_id, mrn)
) ON COMMIT DROP;

INSERT INTO seed_person (organization_id, mrn, family_name, given_name,
                         birth_date, since, fixed)
SELECT o.id, f.mrn, f.family_name, f.given_name, f.birth_date,
       timestamptz '2015-10-01 08:00:00+00', true
  FROM (VALUES ('N000001', 'Müller-Lüdenscheidt', 'José', date '1970-01-02'),
               ('N000002', 'O''Brien', 'Zoë', date '1980-03-04'),
               ('N000003', '王', '芳', date '1992-11-30'))
       AS f (mrn, family_name, given_name, birth_date)
  JOIN careteam.organizations o ON o.code = 'northside';

-- Each patient draws, from its MRN: a name in its own script (5%) or a
-- family name by the power law ord = 1 + floor(count * u^1.6), doubled with a
-- hyphen for 4%, and a given name by ord = 1 + floor(count * u^1.5) moved on
-- to the next name of another culture. Dates of birth run from 1930-01-01 to
-- 2024-12-31, with more young than old patients.
WITH slot AS (
    SELECT o.id AS organization_id, r.prefix || lpad(n::text, 6, '0') AS mrn
      FROM (VALUES ('northside', 'N', 4, 9000),
                   ('riverside', 'R', 1, 7000),
                   ('lakeview', 'L', 1, 4000))
           AS r (code, prefix, first_n, last_n)
      JOIN careteam.organizations o ON o.code = r.code
     CROSS JOIN generate_series(r.first_n, r.last_n) AS n
),
draw AS MATERIALIZED (
    SELECT s.organization_id, s.mrn,
           pg_temp.seed_unit(s.mrn || ':script') < 0.05 AS in_script,
           1 + floor((SELECT max(script_ord) FROM seed_script_name)
                     * pg_temp.seed_unit(s.mrn || ':script-group') ^ 1.5)
                   ::integer AS script_ord,
           pg_temp.seed_unit(s.mrn || ':script-family') AS u_script_family,
           pg_temp.seed_unit(s.mrn || ':script-given') AS u_script_given,
           1 + floor((SELECT count(*) FROM seed_family)
                     * pg_temp.seed_unit(s.mrn || ':family') ^ 1.6)::integer
               AS family_ord,
           CASE WHEN pg_temp.seed_unit(s.mrn || ':double') < 0.04
                THEN 1 + floor((SELECT count(*) FROM seed_family)
                               * pg_temp.seed_unit(s.mrn || ':family2') ^ 1.6)
                         ::integer
           END AS second_family_ord,
           1 + floor((SELECT count(*) FROM seed_given)
                     * pg_temp.seed_unit(s.mrn || ':given') ^ 1.5)::integer
               AS given_ord,
           pg_temp.seed_unit(s.mrn || ':nfd') < 0.02 AS decomposed,
           date '2024-12-31'
             - floor(pg_temp.seed_unit(s.mrn || ':birth') ^ 1.25
                     * (date '2024-12-31' - date '1930-01-01' + 1))::integer
               AS birth_date
      FROM slot s
),
script_size AS (
    SELECT script_ord, count(*) FILTER (WHERE kind = 'family') AS families,
           count(*) FILTER (WHERE kind = 'given') AS givens
      FROM seed_script_name
     GROUP BY script_ord
),
latin AS (
    SELECT d.organization_id, d.mrn, d.birth_date, d.decomposed,
           CASE WHEN f2.name IS NOT NULL AND f2.ord <> f.ord
                     AND f.name !~ '[- ]' AND f2.name !~ '[- ]'
                THEN f.name || '-' || f2.name
                ELSE f.name
           END AS family_name,
           coalesce(
               (SELECT g.name FROM seed_given g
                 WHERE g.ord >= d.given_ord AND g.culture <> f.culture
                   AND NOT EXISTS (SELECT FROM seed_reserved_name r
                                    WHERE r.given = g.name
                                      AND r.family = f.name)
                 ORDER BY g.ord LIMIT 1),
               (SELECT g.name FROM seed_given g
                 WHERE g.culture <> f.culture
                 ORDER BY g.ord LIMIT 1)) AS given_name
      FROM draw d
      JOIN seed_family f ON f.ord = d.family_ord
      LEFT JOIN seed_family f2 ON f2.ord = d.second_family_ord
     WHERE NOT d.in_script
)
INSERT INTO seed_person (organization_id, mrn, family_name, given_name,
                         birth_date, since, fixed)
SELECT p.organization_id, p.mrn, p.family_name, p.given_name, p.birth_date,
       greatest(p.birth_date::timestamp AT TIME ZONE 'UTC',
                timestamptz '2015-10-01 08:00:00+00'),
       false
  FROM (SELECT organization_id, mrn, birth_date,
               CASE WHEN decomposed THEN normalize(family_name, NFD)
                    ELSE family_name END AS family_name,
               CASE WHEN decomposed THEN normalize(given_name, NFD)
                    ELSE given_name END AS given_name
          FROM latin
        UNION ALL
        SELECT d.organization_id, d.mrn, d.birth_date, f.name, g.name
          FROM draw d
          JOIN script_size z ON z.script_ord = d.script_ord
          JOIN seed_script_name f
            ON f.script_ord = d.script_ord AND f.kind = 'family'
           AND f.ord = 1 + floor(z.families * d.u_script_family ^ 1.3)::integer
          JOIN seed_script_name g
            ON g.script_ord = d.script_ord AND g.kind = 'given'
           AND g.ord = 1 + floor(z.givens * d.u_script_given ^ 1.3)::integer
         WHERE d.in_script) AS p;

-- Candidate providers per organization, ordered by NPI. A PRIMARY comes from
-- the pool for the patient's age (child under 18, senior from 70), a former
-- PRIMARY from any primary-care provider, active or not, and a SPECIALIST or
-- CONSULTANT from the active providers outside primary care. The writer
-- pool contains the invented staff with clinician or admin access, who made
-- the history.

CREATE TEMP TABLE seed_pool (
    organization_id bigint NOT NULL,
    pool            text NOT NULL,
    members         bigint[] NOT NULL,
    PRIMARY KEY (organization_id, pool)
) ON COMMIT DROP;

INSERT INTO seed_pool (organization_id, pool, members)
SELECT pr.organization_id, pool.name, array_agg(pr.id ORDER BY pr.npi)
  FROM careteam.providers pr
  JOIN seed_specialty s ON s.name = pr.specialty
  JOIN (VALUES ('child'), ('adult'), ('senior'), ('former'), ('specialist'))
       AS pool (name)
    ON CASE pool.name
           WHEN 'child' THEN pr.active
                AND s.name IN ('Pediatrics', 'Family medicine')
           WHEN 'adult' THEN pr.active
                AND s.name IN ('Family medicine', 'Internal medicine')
           WHEN 'senior' THEN pr.active
                AND s.name IN ('Family medicine', 'Internal medicine',
                               'Geriatrics')
           WHEN 'former' THEN s.primary_care
           WHEN 'specialist' THEN pr.active AND NOT s.primary_care
       END
 GROUP BY pr.organization_id, pool.name;

INSERT INTO seed_pool (organization_id, pool, members)
SELECT m.organization_id, 'writer', array_agg(s.id ORDER BY s.role_name)
  FROM careteam.memberships m
  JOIN careteam.staff s ON s.id = m.staff_id
 WHERE m.access_level <> 'read-only'
   AND s.role_name <> session_user
 GROUP BY m.organization_id;

-- Care-team rows before insertion, one per future assignment row.
CREATE TEMP TABLE seed_event (
    organization_id bigint NOT NULL,
    mrn             text NOT NULL,
    provider_id     bigint NOT NULL,
    role            text NOT NULL,
    assigned_at     timestamptz NOT NULL,
    assigned_by     bigint NOT NULL,
    removed_at      timestamptz,
    removed_by      bigint,
    removal_reason  text
) ON COMMIT DROP;

INSERT INTO seed_event (organization_id, mrn, provider_id, role, assigned_at,
                        assigned_by)
SELECT pr.organization_id, 'N000001', pr.id, f.role, f.assigned_at, s.id
  FROM (VALUES ('1000000001', 'PRIMARY',
                timestamptz '2019-05-14 10:30:00+00', 'demo_amara_nwosu'),
               ('1000000002', 'SPECIALIST',
                timestamptz '2023-02-08 14:15:00+00', 'demo_tomasz_wrobel'))
       AS f (npi, role, assigned_at, role_name)
  JOIN careteam.organizations o ON o.code = 'northside'
  JOIN careteam.providers pr ON pr.organization_id = o.id AND pr.npi = f.npi
  JOIN careteam.staff s ON s.role_name = f.role_name;

-- Every generated patient's care team is a set of slots:
--   1  the active PRIMARY (80% of patients)
--   2  a former PRIMARY, removed when slot 1 began. For 25% of those with a
--      PRIMARY, and for 35% of those without one, who left the clinic.
--   3-5  0 to 3 active SPECIALIST or CONSULTANT rows (40/30/20/10%)
--   6  a referral that ended (20%)
--   7  an earlier CONSULTANT row of the slot 3 provider, ended when slot 3
--      began as SPECIALIST, as careteam.set_role leaves it (8% of those
--      with slot 3 and a physician in it)
-- seed_plan contains the choices of each patient, seed_team adds providers
-- and times, and seed_event gets one row per present slot.

-- A patient who left the clinic without a new PRIMARY (moved_away) keeps no
-- active team and no ended referral.
CREATE TEMP TABLE seed_plan ON COMMIT DROP AS
SELECT d.organization_id, d.mrn, d.since, d.age_pool, d.has_primary,
       h.had_previous, m.moved_away,
       CASE WHEN m.moved_away THEN 0 ELSE h.specialists END
           AS active_specialists,
       d.referral_ended AND NOT m.moved_away AS referral_ended,
       d.role_changed AND h.specialists >= 1 AND NOT m.moved_away
           AS role_change
  FROM (SELECT p.organization_id, p.mrn, p.since,
               CASE WHEN p.birth_date > date '2007-10-01' THEN 'child'
                    WHEN p.birth_date <= date '1955-10-01' THEN 'senior'
                    ELSE 'adult'
               END AS age_pool,
               pg_temp.seed_unit(p.mrn || ':primary') < 0.80 AS has_primary,
               pg_temp.seed_unit(p.mrn || ':previous') AS u_previous,
               pg_temp.seed_unit(p.mrn || ':specialists') AS u_specialists,
               pg_temp.seed_unit(p.mrn || ':referral') < 0.20
                   AS referral_ended,
               pg_temp.seed_unit(p.mrn || ':role-change') < 0.08
                   AS role_changed
          FROM seed_person p
         WHERE NOT p.fixed
        OFFSET 0) AS d
 CROSS JOIN LATERAL (
       SELECT d.u_previous < CASE WHEN d.has_primary THEN 0.25 ELSE 0.35 END
                  AS had_previous,
              CASE WHEN d.u_specialists < 0.40 THEN 0
                   WHEN d.u_specialists < 0.70 THEN 1
                   WHEN d.u_specialists < 0.90 THEN 2
                   ELSE 3
              END AS specialists) AS h
 CROSS JOIN LATERAL (
       SELECT h.had_previous AND NOT d.has_primary AS moved_away) AS m;

-- Slots 3 to 6 take positions s, s + t, s + 2t and s + 3t of the specialist
-- pool. Since 3t is smaller than the pool, their providers are distinct. The
-- former PRIMARY is the next one in the pool when the draw hits the current
-- PRIMARY. OFFSET 0 keeps each draw from being computed again wherever the
-- outer query uses it.
CREATE TEMP TABLE seed_team ON COMMIT DROP AS
SELECT c.organization_id, c.mrn, c.since, c.has_primary, c.had_previous,
       c.active_specialists, c.referral_ended, c.role_change,
       c.primary_id, c.previous_at, c.transition_by, c.first_specialist_at,
       c.first_specialist_by,
       CASE WHEN c.former_pick = c.primary_id AND c.has_primary
            THEN c.former[c.former_index % cardinality(c.former) + 1]
            ELSE c.former_pick
       END AS previous_id,
       pg_temp.seed_between(
           c.previous_at, pg_temp.seed_anchor(),
           0.2 + 0.6 * pg_temp.seed_unit(c.mrn || ':transition'))
           AS transition_at,
       c.spec[c.spec_start % cardinality(c.spec) + 1] AS specialist_1,
       c.spec[(c.spec_start + c.spec_step) % cardinality(c.spec) + 1]
           AS specialist_2,
       c.spec[(c.spec_start + 2 * c.spec_step) % cardinality(c.spec) + 1]
           AS specialist_3,
       c.spec[(c.spec_start + 3 * c.spec_step) % cardinality(c.spec) + 1]
           AS specialist_4
  FROM (SELECT pl.*,
               pg_temp.seed_pick(
                   cur.members,
                   pg_temp.seed_unit(pl.mrn || ':primary-pick') ^ 1.4)
                   AS primary_id,
               former.members AS former,
               f.former_index,
               former.members[f.former_index] AS former_pick,
               pg_temp.seed_between(
                   pl.since, pg_temp.seed_anchor(),
                   0.5 * pg_temp.seed_unit(pl.mrn || ':previous-at'))
                   AS previous_at,
               pg_temp.seed_pick(writer.members,
                                 pg_temp.seed_unit(pl.mrn || ':transition-by'))
                   AS transition_by,
               pg_temp.seed_between(pl.since, pg_temp.seed_anchor(),
                                    pg_temp.seed_unit(pl.mrn || ':at:3'))
                   AS first_specialist_at,
               pg_temp.seed_pick(writer.members,
                                 pg_temp.seed_unit(pl.mrn || ':by:3'))
                   AS first_specialist_by,
               spec.members AS spec,
               floor(cardinality(spec.members)
                     * pg_temp.seed_unit(pl.mrn || ':spec-start'))::integer
                   AS spec_start,
               1 + floor(greatest(1, (cardinality(spec.members) - 1) / 3)
                         * pg_temp.seed_unit(pl.mrn || ':spec-step'))::integer
                   AS spec_step
          FROM seed_plan pl
          JOIN seed_pool cur
            ON cur.organization_id = pl.organization_id
           AND cur.pool = pl.age_pool
          JOIN seed_pool former
            ON former.organization_id = pl.organization_id
           AND former.pool = 'former'
          JOIN seed_pool spec
            ON spec.organization_id = pl.organization_id
           AND spec.pool = 'specialist'
          JOIN seed_pool writer
            ON writer.organization_id = pl.organization_id
           AND writer.pool = 'writer'
         CROSS JOIN LATERAL (
               SELECT 1 + floor(cardinality(former.members)
                                * pg_temp.seed_unit(pl.mrn || ':previous-pick'))
                              ::integer AS former_index
               OFFSET 0) AS f
        OFFSET 0) AS c;

-- Slots 1 and 2: the PRIMARY and the one before it.
INSERT INTO seed_event (organization_id, mrn, provider_id, role, assigned_at,
                        assigned_by)
SELECT t.organization_id, t.mrn, t.primary_id, 'PRIMARY',
       CASE WHEN t.had_previous THEN t.transition_at
            ELSE pg_temp.seed_between(t.since, pg_temp.seed_anchor(),
                                      pg_temp.seed_unit(t.mrn || ':at:1'))
       END,
       CASE WHEN t.had_previous THEN t.transition_by
            ELSE pg_temp.seed_pick(w.members,
                                   pg_temp.seed_unit(t.mrn || ':by:1'))
       END
  FROM seed_team t
  JOIN seed_pool w
    ON w.organization_id = t.organization_id AND w.pool = 'writer'
 WHERE t.has_primary;

INSERT INTO seed_event (organization_id, mrn, provider_id, role, assigned_at,
                        assigned_by, removed_at, removed_by, removal_reason)
SELECT t.organization_id, t.mrn, t.previous_id, 'PRIMARY', t.previous_at,
       pg_temp.seed_pick(w.members, pg_temp.seed_unit(t.mrn || ':by:2')),
       t.transition_at, t.transition_by,
       CASE WHEN NOT pr.active THEN 'Provider left the practice'
            WHEN NOT t.has_primary THEN 'Patient moved to another clinic'
            WHEN pg_temp.seed_unit(t.mrn || ':reason:2') < 0.6
                 THEN 'Patient requested a different provider'
            ELSE 'Provider reduced clinic hours'
       END
  FROM seed_team t
  JOIN seed_pool w
    ON w.organization_id = t.organization_id AND w.pool = 'writer'
  JOIN careteam.providers pr
    ON pr.organization_id = t.organization_id AND pr.id = t.previous_id
 WHERE t.had_previous;

-- Slots 3 to 5: the active specialists. A provider with a credential (a
-- therapist, dietitian or social worker) is always a CONSULTANT, and so has
-- no slot 7.
INSERT INTO seed_event (organization_id, mrn, provider_id, role, assigned_at,
                        assigned_by)
SELECT s.organization_id, s.mrn, s.provider_id,
       CASE WHEN sp.credential IS NOT NULL THEN 'CONSULTANT'
            WHEN s.slot = 3 AND s.role_change THEN 'SPECIALIST'
            WHEN pg_temp.seed_unit(s.mrn || ':role:' || s.slot) < 0.2
                 THEN 'CONSULTANT'
            ELSE 'SPECIALIST'
       END,
       CASE WHEN s.slot = 3 THEN s.first_specialist_at
            ELSE pg_temp.seed_between(s.since, pg_temp.seed_anchor(),
                                      pg_temp.seed_unit(s.mrn || ':at:'
                                                        || s.slot))
       END,
       CASE WHEN s.slot = 3 THEN s.first_specialist_by
            ELSE pg_temp.seed_pick(w.members,
                                   pg_temp.seed_unit(s.mrn || ':by:' || s.slot))
       END
  FROM (SELECT t.organization_id, t.mrn, t.since, t.role_change,
               t.first_specialist_at, t.first_specialist_by, k AS slot,
               CASE k WHEN 3 THEN t.specialist_1
                      WHEN 4 THEN t.specialist_2
                      ELSE t.specialist_3
               END AS provider_id
          FROM seed_team t
          JOIN generate_series(3, 5) AS k ON t.active_specialists >= k - 2)
       AS s
  JOIN seed_pool w
    ON w.organization_id = s.organization_id AND w.pool = 'writer'
  JOIN careteam.providers pr
    ON pr.organization_id = s.organization_id AND pr.id = s.provider_id
  JOIN seed_specialty sp ON sp.name = pr.specialty;

-- Slot 6: a referral that ended before the load.
INSERT INTO seed_event (organization_id, mrn, provider_id, role, assigned_at,
                        assigned_by, removed_at, removed_by, removal_reason)
SELECT r.organization_id, r.mrn, r.specialist_4,
       CASE WHEN sp.credential IS NOT NULL
                 OR pg_temp.seed_unit(r.mrn || ':role:6') < 0.2
                 THEN 'CONSULTANT'
            ELSE 'SPECIALIST'
       END,
       r.assigned_at,
       pg_temp.seed_pick(w.members, pg_temp.seed_unit(r.mrn || ':by:6')),
       pg_temp.seed_between(r.assigned_at, pg_temp.seed_anchor(),
                            0.1 + 0.8 * pg_temp.seed_unit(r.mrn || ':ended')),
       pg_temp.seed_pick(w.members,
                         pg_temp.seed_unit(r.mrn || ':removed-by:6')),
       CASE WHEN r.u_reason < 0.6 THEN 'Referral completed'
            WHEN r.u_reason < 0.85 THEN 'Treatment completed'
            ELSE 'Patient declined further visits'
       END
  FROM (SELECT t.organization_id, t.mrn, t.specialist_4,
               pg_temp.seed_between(t.since, pg_temp.seed_anchor(),
                                    0.9 * pg_temp.seed_unit(t.mrn || ':at:6'))
                   AS assigned_at,
               pg_temp.seed_unit(t.mrn || ':reason:6') AS u_reason
          FROM seed_team t
         WHERE t.referral_ended
        OFFSET 0) AS r
  JOIN seed_pool w
    ON w.organization_id = r.organization_id AND w.pool = 'writer'
  JOIN careteam.providers pr
    ON pr.organization_id = r.organization_id AND pr.id = r.specialist_4
  JOIN seed_specialty sp ON sp.name = pr.specialty;

-- Slot 7: the slot 3 provider's earlier CONSULTANT row.
INSERT INTO seed_event (organization_id, mrn, provider_id, role, assigned_at,
                        assigned_by, removed_at, removed_by, removal_reason)
SELECT t.organization_id, t.mrn, t.specialist_1, 'CONSULTANT',
       pg_temp.seed_between(t.since, t.first_specialist_at,
                            pg_temp.seed_unit(t.mrn || ':at:7')),
       pg_temp.seed_pick(w.members, pg_temp.seed_unit(t.mrn || ':by:7')),
       t.first_specialist_at, t.first_specialist_by,
       'Role changed to SPECIALIST'
  FROM seed_team t
  JOIN seed_pool w
    ON w.organization_id = t.organization_id AND w.pool = 'writer'
  JOIN careteam.providers pr
    ON pr.organization_id = t.organization_id AND pr.id = t.specialist_1
  JOIN seed_specialty sp ON sp.name = pr.specialty
 WHERE t.role_change AND sp.credential IS NULL;

-- The patients, with care_team_version set to their number of assignment
-- rows and care_team_changed_by/at to the latest change among them.
WITH change AS (
    SELECT organization_id, mrn, assigned_at AS at, assigned_by AS staff_id
      FROM seed_event
    UNION ALL
    SELECT organization_id, mrn, removed_at, removed_by
      FROM seed_event
     WHERE removed_at IS NOT NULL
),
summary AS (
    SELECT organization_id, mrn, count(*) AS changes
      FROM seed_event
     GROUP BY organization_id, mrn
),
latest AS (
    SELECT DISTINCT ON (organization_id, mrn) organization_id, mrn, at,
           staff_id
      FROM change
     ORDER BY organization_id, mrn, at DESC, staff_id
),
earliest AS (
    SELECT organization_id, mrn, min(assigned_at) AS at
      FROM seed_event
     GROUP BY organization_id, mrn
)
INSERT INTO careteam.patients (organization_id, mrn, family_name, given_name,
                               birth_date, care_team_version,
                               care_team_changed_by, care_team_changed_at,
                               created_at, updated_at)
SELECT p.organization_id, p.mrn, p.family_name, p.given_name, p.birth_date,
       coalesce(s.changes, 0), l.staff_id, l.at,
       coalesce(e.at, p.since), coalesce(l.at, e.at, p.since)
  FROM seed_person p
  LEFT JOIN summary s USING (organization_id, mrn)
  LEFT JOIN latest l USING (organization_id, mrn)
  LEFT JOIN earliest e USING (organization_id, mrn)
 ORDER BY p.organization_id, p.mrn;

INSERT INTO careteam.care_team_assignments
       (organization_id, patient_id, provider_id, role, assigned_at,
        assigned_by, removed_at, removed_by, removal_reason, created_at,
        updated_at)
SELECT e.organization_id, p.id, e.provider_id, e.role, e.assigned_at,
       e.assigned_by, e.removed_at, e.removed_by, e.removal_reason,
       e.assigned_at, coalesce(e.removed_at, e.assigned_at)
  FROM seed_event e
  JOIN careteam.patients p
    ON p.organization_id = e.organization_id AND p.mrn = e.mrn
 ORDER BY e.assigned_at, e.organization_id, p.id,
          array_position(ARRAY['PRIMARY', 'SPECIALIST', 'CONSULTANT'], e.role),
          e.provider_id;

DO $$
DECLARE
    v_trigger record;
BEGIN
    FOR v_trigger IN SELECT name, mode FROM seed_paused_trigger LOOP
        EXECUTE format('ALTER TABLE careteam.care_team_assignments '
                       '%s TRIGGER %I',
                       CASE v_trigger.mode
                           WHEN 'A' THEN 'ENABLE ALWAYS'
                           WHEN 'R' THEN 'ENABLE REPLICA'
                           ELSE 'ENABLE'
                       END,
                       v_trigger.name);
    END LOOP;

    IF to_regclass('careteam.audit_log') IS NOT NULL THEN
        INSERT INTO careteam.audit_log (staff_id, organization_id, action,
                                        after)
        SELECT s.id, o.id, 'seed_demo',
               jsonb_build_object(
                   'providers', (SELECT count(*) FROM careteam.providers pr
                                  WHERE pr.organization_id = o.id),
                   'patients', (SELECT count(*) FROM careteam.patients pa
                                 WHERE pa.organization_id = o.id),
                   'assignments', (SELECT count(*)
                                     FROM careteam.care_team_assignments a
                                    WHERE a.organization_id = o.id))
          FROM careteam.organizations o
          LEFT JOIN careteam.staff s ON s.role_name = session_user
         WHERE o.code IN ('northside', 'riverside', 'lakeview')
         ORDER BY o.code;
    END IF;
END
$$;

DROP FUNCTION pg_temp.seed_unit(text);
DROP FUNCTION pg_temp.seed_pick(bigint[], double precision);
DROP FUNCTION pg_temp.seed_between(timestamptz, timestamptz, double precision);
DROP FUNCTION pg_temp.seed_office_time(double precision);
DROP FUNCTION pg_temp.seed_anchor();

ANALYZE careteam.organizations, careteam.staff, careteam.memberships,
        careteam.providers, careteam.patients, careteam.care_team_assignments;
