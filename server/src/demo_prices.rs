//! The demo price catalogue: Riverbend Health's standard charges for 29 common services, drugs
//! and tests across its five locations, with the gross charge, the discounted cash price and
//! the rates negotiated with three payers (four plans). Names and plain-words summaries come in
//! English and Spanish; fourteen are shoppable services and the colonoscopy lists its usual
//! anaesthesia and pathology beside it.
//!
//! The catalogue is written as CMS's tall CSV and read back through the same checks as an
//! administrator's upload, so the demo can never hold what an import would refuse. The same
//! figures every run; loading again changes nothing.

use app::pricing::cms::{self, Catalogue, Charge, Code, FileInfo, Item, Rate};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::PgPool;

/// (payer, plan, share of the gross charge it pays, in hundredths)
const PLANS: [(&str, &str, i64); 4] = [
    ("Prairie Mutual Health", "PPO", 58),
    ("Prairie Mutual Health", "HMO", 49),
    ("Lakeside Care Alliance", "Choice", 63),
    ("Heartland Medicare Advantage", "Gold", 41),
];

struct DemoService {
    code: &'static str,
    kind: &'static str,
    description: &'static str,
    setting: &'static str,
    /// Gross charge in whole dollars.
    gross: i64,
    shoppable: bool,
    /// Index in [`SERVICES`] of the shoppable service this one usually comes with.
    ancillary_of: Option<usize>,
    name_en: &'static str,
    name_es: &'static str,
    summary_en: &'static str,
    summary_es: &'static str,
}

const fn service(
    code: &'static str,
    description: &'static str,
    gross: i64,
    shoppable: bool,
    names: [&'static str; 4],
) -> DemoService {
    DemoService {
        code,
        kind: "CPT",
        description,
        setting: "outpatient",
        gross,
        shoppable,
        ancillary_of: None,
        name_en: names[0],
        name_es: names[1],
        summary_en: names[2],
        summary_es: names[3],
    }
}

const COLONOSCOPY: usize = 19;

const SERVICES: [DemoService; 28] = [
    service("99203", "Office or other outpatient visit for a new patient, 30-44 minutes", 250, true, [
        "New patient visit (30 to 44 minutes)",
        "Consulta de paciente nuevo (30 a 44 minutos)",
        "A first visit with a primary care clinician: history, examination and a plan.",
        "Primera consulta con un clínico de atención primaria: historia, examen y un plan.",
    ]),
    service("99213", "Office or other outpatient visit for an established patient, 20-29 minutes", 180, true, [
        "Follow-up visit (20 to 29 minutes)",
        "Consulta de seguimiento (20 a 29 minutos)",
        "A visit about one or two health concerns with a clinician who knows you.",
        "Una consulta sobre uno o dos problemas de salud con un clínico que ya lo conoce.",
    ]),
    service("99214", "Office or other outpatient visit for an established patient, 30-39 minutes", 260, false, [
        "Longer follow-up visit (30 to 39 minutes)",
        "Consulta de seguimiento larga (30 a 39 minutos)",
        "",
        "",
    ]),
    service("99385", "Initial comprehensive preventive medicine evaluation, age 18-39 years", 320, true, [
        "Yearly check-up, new patient (18 to 39)",
        "Chequeo anual, paciente nuevo (18 a 39 años)",
        "A preventive visit: screening, vaccines due and advice. Tests ordered are priced separately.",
        "Una consulta preventiva: pruebas de detección, vacunas pendientes y consejos. Los análisis se cobran aparte.",
    ]),
    service("99395", "Periodic comprehensive preventive medicine reevaluation, age 18-39 years", 280, false, [
        "Yearly check-up, returning patient (18 to 39)",
        "Chequeo anual, paciente conocido (18 a 39 años)",
        "",
        "",
    ]),
    service("80048", "Basic metabolic panel", 60, true, [
        "Basic metabolic panel (blood chemistry)",
        "Panel metabólico básico (química sanguínea)",
        "Blood sugar, kidney function and salts, from one blood sample.",
        "Azúcar en la sangre, función renal y sales, con una sola muestra de sangre.",
    ]),
    service("80053", "Comprehensive metabolic panel", 85, false, [
        "Comprehensive metabolic panel",
        "Panel metabólico completo",
        "The basic panel plus liver tests and proteins.",
        "El panel básico más pruebas del hígado y proteínas.",
    ]),
    service("85025", "Blood count; complete (CBC), automated, with automated differential WBC count", 45, false, [
        "Complete blood count (CBC)",
        "Hemograma completo",
        "",
        "",
    ]),
    service("80061", "Lipid panel", 70, true, [
        "Cholesterol test (lipid panel)",
        "Prueba de colesterol (perfil lipídico)",
        "Total, HDL and LDL cholesterol and triglycerides.",
        "Colesterol total, HDL, LDL y triglicéridos.",
    ]),
    service("83036", "Hemoglobin; glycosylated (A1C)", 55, false, [
        "Hemoglobin A1c (diabetes test)",
        "Hemoglobina A1c (prueba de diabetes)",
        "Your average blood sugar over the last three months.",
        "Su nivel promedio de azúcar en la sangre de los últimos tres meses.",
    ]),
    service("84443", "Thyroid stimulating hormone (TSH)", 75, false, [
        "Thyroid test (TSH)",
        "Prueba de tiroides (TSH)",
        "",
        "",
    ]),
    service("81001", "Urinalysis, automated, with microscopy", 30, false, [
        "Urine test",
        "Análisis de orina",
        "",
        "",
    ]),
    service("87880", "Infectious agent antigen detection by immunoassay, Streptococcus, group A", 40, false, [
        "Rapid strep test",
        "Prueba rápida de estreptococo",
        "A throat swab with a result in minutes.",
        "Un hisopado de garganta con resultado en minutos.",
    ]),
    service("93000", "Electrocardiogram, routine ECG with at least 12 leads; with interpretation and report", 120, true, [
        "Electrocardiogram (ECG)",
        "Electrocardiograma (ECG)",
        "A painless recording of your heart's rhythm, read by a clinician.",
        "Un registro indoloro del ritmo del corazón, leído por un clínico.",
    ]),
    service("71046", "Radiologic examination, chest; 2 views", 210, true, [
        "Chest X-ray (2 views)",
        "Radiografía de tórax (2 vistas)",
        "",
        "",
    ]),
    service("73610", "Radiologic examination, ankle; complete, minimum of 3 views", 190, false, [
        "Ankle X-ray (3 views)",
        "Radiografía de tobillo (3 vistas)",
        "",
        "",
    ]),
    service("77067", "Screening mammography, bilateral (2-view study of each breast), including computer-aided detection", 350, true, [
        "Screening mammogram",
        "Mamografía de detección",
        "Both breasts, two views each, read by a radiologist.",
        "Ambos senos, dos vistas de cada uno, leídas por un radiólogo.",
    ]),
    service("76700", "Ultrasound, abdominal, real time with image documentation; complete", 480, true, [
        "Abdominal ultrasound",
        "Ecografía abdominal",
        "",
        "",
    ]),
    service("70551", "Magnetic resonance (eg, proton) imaging, brain (including brain stem); without contrast material", 1850, true, [
        "MRI of the brain (no contrast)",
        "Resonancia magnética del cerebro (sin contraste)",
        "Images of the brain without dye. The radiologist's reading is included.",
        "Imágenes del cerebro sin medio de contraste. Incluye la lectura del radiólogo.",
    ]),
    service("45378", "Colonoscopy, flexible; diagnostic, including collection of specimen(s) by brushing or washing", 2400, true, [
        "Colonoscopy",
        "Colonoscopia",
        "A look inside the colon with a flexible camera. Anaesthesia and any tissue exam are usually billed too; they are listed below.",
        "Una revisión del colon con una cámara flexible. La anestesia y el examen de tejido suelen cobrarse también; se muestran abajo.",
    ]),
    DemoService {
        ancillary_of: Some(COLONOSCOPY),
        ..service("00811", "Anesthesia for lower intestinal endoscopic procedures, endoscope introduced distal to duodenum; not otherwise specified", 650, false, [
            "Anaesthesia for a colonoscopy",
            "Anestesia para una colonoscopia",
            "",
            "",
        ])
    },
    DemoService {
        ancillary_of: Some(COLONOSCOPY),
        ..service("88305", "Level IV - Surgical pathology, gross and microscopic examination", 160, false, [
            "Tissue exam by a pathologist",
            "Examen de tejido por un patólogo",
            "When a sample (such as a polyp) is taken, a pathologist examines it.",
            "Cuando se toma una muestra (como un pólipo), un patólogo la examina.",
        ])
    },
    service("90686", "Influenza virus vaccine, quadrivalent, split virus, preservative free, 0.5 mL dosage, for intramuscular use", 45, false, [
        "Flu vaccine",
        "Vacuna contra la gripe",
        "",
        "",
    ]),
    service("90471", "Immunization administration; 1 vaccine", 30, false, [
        "Giving a vaccine (first one)",
        "Aplicación de una vacuna (la primera)",
        "",
        "",
    ]),
    service("99283", "Emergency department visit for the evaluation and management of a patient, moderate medical decision making", 900, false, [
        "Emergency visit (moderate)",
        "Consulta de emergencias (moderada)",
        "In an emergency, call 911. This is what an emergency department visit of moderate complexity is charged.",
        "En una emergencia, llame al 911. Esto es lo que se cobra por una consulta de emergencias de complejidad moderada.",
    ]),
    service("59400", "Routine obstetric care including antepartum care, vaginal delivery (with or without episiotomy, and/or forceps) and postpartum care", 9800, true, [
        "Pregnancy care and vaginal delivery",
        "Atención del embarazo y parto vaginal",
        "Prenatal visits, the delivery and the check-up after. The hospital stay is billed separately.",
        "Consultas prenatales, el parto y el control posterior. La estancia en el hospital se cobra aparte.",
    ]),
    service("29881", "Arthroscopy, knee, surgical; with meniscectomy (medial OR lateral, including any meniscal shaving)", 7200, true, [
        "Knee arthroscopy (meniscus repair)",
        "Artroscopia de rodilla (reparación de menisco)",
        "",
        "",
    ]),
    service("66984", "Extracapsular cataract removal with insertion of intraocular lens prosthesis (1 stage procedure)", 5600, true, [
        "Cataract surgery with lens implant",
        "Cirugía de cataratas con implante de lente",
        "",
        "",
    ]),
];

/// The emergency visit: one plan pays a share of billed charges rather than a fixed amount.
const EMERGENCY: usize = 24;

/// A plan's fixed dollar rate from its fee schedule, the commonest kind.
pub(crate) fn fee_schedule(payer: &str, plan: &str, dollar: i64) -> Rate {
    Rate {
        payer: payer.into(),
        plan: plan.into(),
        dollar: Some(dollar),
        percentage: None,
        algorithm: None,
        methodology: "fee schedule".into(),
        median: None,
        p10: None,
        p90: None,
        count: None,
        notes: String::new(),
    }
}

fn cents(dollars: i64, share: i64) -> i64 {
    dollars * share
}

fn item(index: usize, s: &DemoService) -> Item {
    let gross = s.gross * 100;
    let rates = PLANS
        .iter()
        .enumerate()
        .map(|(p, (payer, plan, share))| {
            if index == EMERGENCY && p == 2 {
                let median = cents(s.gross, 61);
                Rate {
                    payer: (*payer).into(),
                    plan: (*plan).into(),
                    dollar: None,
                    percentage: Some(Decimal::from(65)),
                    algorithm: None,
                    methodology: "percent of total billed charges".into(),
                    median: Some(median),
                    p10: Some(median * 7 / 10),
                    p90: Some(median * 14 / 10),
                    count: Some("1 through 10".into()),
                    notes: String::new(),
                }
            } else {
                // Plans differ a little by service, as real contracts do.
                let wobble = (index as i64 * 7 + p as i64 * 3) % 9 - 4;
                fee_schedule(payer, plan, cents(s.gross, share + wobble))
            }
        })
        .collect();
    Item {
        description: s.description.into(),
        codes: vec![Code {
            code: s.code.into(),
            kind: s.kind.into(),
        }],
        drug: None,
        charges: vec![Charge {
            setting: s.setting.into(),
            gross: Some(gross),
            cash: Some(gross * 70 / 100),
            min: None,
            max: None,
            modifiers: Vec::new(),
            notes: String::new(),
            rates,
        }],
    }
}

fn amoxicillin() -> Item {
    drug_item(
        "65862-0015-01",
        "Amoxicillin 500 milligram capsule",
        "both",
        250,
        120,
    )
}

/// The outpatient pharmacy's drugs the demo records prescribe, priced per tablet, capsule or
/// inhaler: (NDC, the RxNorm code the records carry, CMS description, English name, Spanish name,
/// gross and cash price in cents).
pub const DRUGS: [(&str, &str, &str, &str, &str, i64, i64); 7] = [
    (
        "68180-0513-01",
        "314076",
        "Lisinopril 10 milligram tablet",
        "Lisinopril 10 mg tablet (one)",
        "Lisinopril, tableta de 10 mg (una)",
        60,
        18,
    ),
    (
        "00093-1048-01",
        "860975",
        "Metformin hydrochloride 500 milligram tablet",
        "Metformin 500 mg tablet (one)",
        "Metformina, tableta de 500 mg (una)",
        55,
        15,
    ),
    (
        "00378-2073-77",
        "617312",
        "Atorvastatin 20 milligram tablet",
        "Atorvastatin 20 mg tablet (one)",
        "Atorvastatina, tableta de 20 mg (una)",
        95,
        27,
    ),
    (
        "00173-0682-20",
        "745679",
        "Albuterol 90 microgram per actuation inhaler, 200 actuations",
        "Albuterol inhaler (200 puffs)",
        "Inhalador de albuterol (200 inhalaciones)",
        6_500,
        2_850,
    ),
    (
        "00378-1800-01",
        "966224",
        "Levothyroxine sodium 50 microgram tablet",
        "Levothyroxine 50 mcg tablet (one)",
        "Levotiroxina, tableta de 50 mcg (una)",
        70,
        21,
    ),
    (
        "16729-0213-01",
        "312940",
        "Sertraline 50 milligram tablet",
        "Sertraline 50 mg tablet (one)",
        "Sertralina, tableta de 50 mg (una)",
        80,
        22,
    ),
    (
        "62175-0136-37",
        "198053",
        "Omeprazole 20 milligram delayed release capsule",
        "Omeprazole 20 mg capsule (one)",
        "Omeprazol, cápsula de 20 mg (una)",
        90,
        25,
    ),
];

/// The NDC the demo records give a medication alongside its RxNorm code.
pub fn ndc_for_rxnorm(rxnorm: &str) -> Option<&'static str> {
    DRUGS.iter().find(|d| d.1 == rxnorm).map(|d| d.0)
}

fn drug(
    (ndc, _, description, _, _, gross, cash): (&str, &str, &str, &str, &str, i64, i64),
) -> Item {
    drug_item(ndc, description, "outpatient", gross, cash)
}

/// A drug priced per unit, each plan paying its share of the gross charge.
fn drug_item(ndc: &str, description: &str, setting: &str, gross: i64, cash: i64) -> Item {
    Item {
        description: description.into(),
        codes: vec![Code {
            code: ndc.into(),
            kind: "NDC".into(),
        }],
        drug: Some((Decimal::ONE, "UN".into())),
        charges: vec![Charge {
            setting: setting.into(),
            gross: Some(gross),
            cash: Some(cash),
            min: None,
            max: None,
            modifiers: Vec::new(),
            notes: String::new(),
            rates: PLANS
                .iter()
                .map(|(payer, plan, share)| fee_schedule(payer, plan, (gross * share / 100).max(1)))
                .collect(),
        }],
    }
}

/// The catalogue as Riverbend Health would post it.
pub fn catalogue() -> Catalogue {
    let locations = crate::demo_directory::location_addresses();
    let mut items: Vec<Item> = SERVICES
        .iter()
        .enumerate()
        .map(|(i, s)| item(i, s))
        .collect();
    items.push(amoxicillin());
    items.extend(DRUGS.into_iter().map(drug));
    Catalogue {
        file: FileInfo {
            hospital_name: crate::demo::organisation().name,
            last_updated_on: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default(),
            version: "3.0.0".into(),
            location_names: locations.iter().map(|(n, _)| n.clone()).collect(),
            addresses: locations.into_iter().map(|(_, a)| a).collect(),
            license_number: Some("0004567".into()),
            license_state: "IL".into(),
            npis: vec!["1234567893".into()],
            attester_name: "Dana Whitfield, Chief Financial Officer".into(),
            provisions: String::new(),
        },
        items,
        modifiers: Vec::new(),
    }
}

/// Loads the catalogue once, with its names, summaries and groups. Returns how many items were
/// added (0 when a catalogue is already there: an administrator's import is never replaced).
pub async fn load(pool: &PgPool) -> anyhow::Result<u64> {
    let mut tx = pool.begin().await?;
    if app::pricing::db::select_file(&mut *tx).await?.is_some() {
        return Ok(0);
    }
    let demo = catalogue();
    let mut csv = cms::csv_head(&demo.file, cms::CSV_CODE_COLUMNS);
    for item in &demo.items {
        csv.push_str(&cms::csv_rows(item, cms::CSV_CODE_COLUMNS));
    }
    let catalogue = cms::read_tall_csv(csv.as_bytes()).map_err(|problems| {
        anyhow::anyhow!("the demo price catalogue breaks CMS's rules: {problems:?}")
    })?;
    app::pricing::db::replace_catalogue(&mut tx, &catalogue).await?;
    for s in &SERVICES {
        sqlx::query!(
            "update price_item i
             set name_en = $2, name_es = $3, summary_en = $4, summary_es = $5, shoppable = $6,
                 updated_at = now()
             where exists (select 1 from price_code c
                           where c.price_item_id = i.price_item_id and c.code = $1)",
            s.code,
            s.name_en,
            s.name_es,
            s.summary_en,
            s.summary_es,
            s.shoppable
        )
        .execute(&mut *tx)
        .await?;
    }
    for s in SERVICES.iter().filter(|s| s.ancillary_of.is_some()) {
        let Some(head) = s.ancillary_of.and_then(|i| SERVICES.get(i)) else {
            continue;
        };
        sqlx::query!(
            "update price_item i
             set ancillary_of = (select price_item_id from price_code where code = $2), updated_at = now()
             where exists (select 1 from price_code c
                           where c.price_item_id = i.price_item_id and c.code = $1)",
            s.code,
            head.code
        )
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query!(
        "update price_item set name_en = 'Amoxicillin 500 mg capsule (one)',
                name_es = 'Amoxicilina, cápsula de 500 mg (una)', updated_at = now()
         where description = 'Amoxicillin 500 milligram capsule'"
    )
    .execute(&mut *tx)
    .await?;
    for (_, _, description, name_en, name_es, _, _) in DRUGS {
        sqlx::query!(
            "update price_item set name_en = $2, name_es = $3, updated_at = now()
             where description = $1",
            description,
            name_en,
            name_es
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(catalogue.items.len() as u64)
}

/// One demo patient's coverage, as staff entered it (dollars; coinsurance in basis points).
struct DemoCoverage {
    patient: &'static str,
    /// (payer, plan), or none for self-pay.
    plan: Option<(&'static str, &'static str)>,
    member: &'static str,
    deductible: i64,
    met: i64,
    coinsurance_bp: i32,
    copay: i64,
    oop_max: i64,
    oop_met: i64,
}

const fn covered(
    patient: &'static str,
    plan: (&'static str, &'static str),
    member: &'static str,
    [deductible, met, copay, oop_max, oop_met]: [i64; 5],
    coinsurance_bp: i32,
) -> DemoCoverage {
    DemoCoverage {
        patient,
        plan: Some(plan),
        member,
        deductible,
        met,
        coinsurance_bp,
        copay,
        oop_max,
        oop_met,
    }
}

const PPO: (&str, &str) = ("Prairie Mutual Health", "PPO");

/// Maria and her children share a PPO with $400 of a $1,500 deductible met; Elena has a
/// Medicare Advantage plan without a deductible; Carmen pays for herself.
const DEMO_COVERAGE: [DemoCoverage; 5] = [
    covered(
        "00000000-0000-4000-8000-00000000a001",
        PPO,
        "PMH-4417-0921",
        [1_500, 400, 30, 5_000, 650],
        2000,
    ),
    covered(
        "00000000-0000-4000-8000-00000000a002",
        PPO,
        "PMH-4417-0922",
        [1_500, 400, 30, 5_000, 650],
        2000,
    ),
    covered(
        "00000000-0000-4000-8000-00000000a003",
        PPO,
        "PMH-4417-0923",
        [1_500, 400, 30, 5_000, 650],
        2000,
    ),
    covered(
        "00000000-0000-4000-8000-00000000a004",
        ("Heartland Medicare Advantage", "Gold"),
        "HMA-88120-4",
        [0, 0, 10, 3_900, 1_200],
        2000,
    ),
    DemoCoverage {
        patient: "00000000-0000-4000-8000-00000000a005",
        plan: None,
        member: "",
        deductible: 0,
        met: 0,
        coinsurance_bp: 0,
        copay: 0,
        oop_max: 0,
        oop_met: 0,
    },
];

/// Puts the demo family's coverage on file once (a patient who already has coverage keeps it).
/// Returns how many patients got coverage.
pub async fn load_coverage(pool: &PgPool) -> anyhow::Result<u64> {
    let Some(staff) = app::auth::account::find_account_by_email(pool, "staff@example.org").await?
    else {
        anyhow::bail!("the demo staff account is missing");
    };
    let mut tx = pool.begin().await?;
    let mut added = 0;
    for c in &DEMO_COVERAGE {
        let patient = uuid::Uuid::parse_str(c.patient)?;
        if app::pricing::db::select_coverage(&mut *tx, patient)
            .await?
            .is_some()
        {
            continue;
        }
        let plan = match c.plan {
            Some((payer, name)) => Some(
                sqlx::query_scalar!(
                    "select price_plan_id from price_plan where payer_name = $1 and plan_name = $2",
                    payer,
                    name
                )
                .fetch_one(&mut *tx)
                .await?,
            ),
            None => None,
        };
        let share = app::pricing::estimate::CostShare {
            deductible: c.deductible * 100,
            deductible_met: c.met * 100,
            coinsurance_bp: c.coinsurance_bp,
            copay: c.copay * 100,
            oop_max: c.oop_max * 100,
            oop_met: c.oop_met * 100,
        };
        app::pricing::db::upsert_coverage(
            &mut tx,
            patient,
            plan,
            c.member,
            &share,
            staff.account_id,
        )
        .await?;
        added += 1;
    }
    tx.commit().await?;
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_catalogue_passes_cms_rules_in_both_formats() {
        let demo = catalogue();
        let mut csv = cms::csv_head(&demo.file, cms::CSV_CODE_COLUMNS);
        for item in &demo.items {
            csv.push_str(&cms::csv_rows(item, cms::CSV_CODE_COLUMNS));
        }
        let read = cms::read_tall_csv(csv.as_bytes()).expect("the demo reads");
        assert_eq!(read.items.len(), 36);
        assert_eq!(read.file.location_names.len(), 5);
        let mut json = cms::json_head(&read.file);
        let items: Vec<String> = read
            .items
            .iter()
            .map(|i| cms::json_item(i).to_string())
            .collect();
        json.push_str(&items.join(","));
        json.push_str(&cms::json_tail(&read.modifiers));
        assert_eq!(cms::read_json(json.as_bytes()).expect("reads"), read);
        assert_eq!(SERVICES.get(COLONOSCOPY).map(|s| s.code), Some("45378"));
        assert_eq!(SERVICES.get(EMERGENCY).map(|s| s.code), Some("99283"));
    }

    #[sqlx::test(migrator = "app::db::MIGRATOR")]
    async fn loading_twice_changes_nothing_and_names_groups_survive(pool: PgPool) {
        assert_eq!(load(&pool).await.expect("loads"), 36);
        assert_eq!(load(&pool).await.expect("loads again"), 0);
        let (shoppable, grouped): (i64, i64) = sqlx::query_as(
            "select count(*) filter (where shoppable), count(ancillary_of) from price_item",
        )
        .fetch_one(&pool)
        .await
        .expect("counts");
        assert_eq!((shoppable, grouped), (14, 2));
        let mut conn = pool.acquire().await.expect("connection");
        let (cards, total) =
            app::pricing::db::search_items(&mut conn, "es", "colonoscopia", None, false, 20, 0)
                .await
                .expect("search");
        assert!(total >= 1);
        assert_eq!(cards.first().map(|c| c.name.as_str()), Some("Colonoscopia"));
    }

    #[sqlx::test(migrator = "app::db::MIGRATOR")]
    async fn the_demo_familys_coverage_is_put_on_file_once(pool: PgPool) {
        crate::demo::load(&pool, 0)
            .await
            .expect("accounts and family");
        load(&pool).await.expect("catalogue");
        assert_eq!(load_coverage(&pool).await.expect("coverage"), 5);
        assert_eq!(load_coverage(&pool).await.expect("again"), 0);
        let (plans, self_pay, events): (i64, i64, i64) = sqlx::query_as(
            "select count(price_plan_id), count(*) filter (where price_plan_id is null),
                    (select count(*) from coverage_event)
             from coverage",
        )
        .fetch_one(&pool)
        .await
        .expect("counts");
        assert_eq!((plans, self_pay, events), (4, 1, 5));
    }
}
