//! The demo Find care directory: Riverbend Health's five locations with their hours, and 44
//! clinicians across primary care and specialties, some speaking Spanish or other languages,
//! most accepting new patients. The same people every run; loading again changes nothing.

use sqlx::PgPool;
use uuid::Uuid;

struct DemoLocation {
    slug: &'static str,
    name: &'static str,
    street: &'static str,
    city: &'static str,
    region: &'static str,
    postal_code: &'static str,
    phone: &'static str,
    /// Monday first, as an administrator types them.
    hours: [&'static str; 7],
    note_en: &'static str,
    note_es: &'static str,
}

const LOCATIONS: [DemoLocation; 5] = [
    DemoLocation {
        slug: "main-campus-clinic",
        name: "Riverbend Main Campus Clinic",
        street: "1200 River Road",
        city: "Riverbend",
        region: "IL",
        postal_code: "61201",
        phone: "(555) 010-2100",
        hours: ["7:30-18:00", "7:30-18:00", "7:30-18:00", "7:30-18:00", "7:30-18:00", "8:00-12:00", ""],
        note_en: "Free parking in the River Road garage; the clinic entrance is on level 1.",
        note_es: "Estacionamiento gratuito en el garaje de River Road; la entrada de la clínica está en el nivel 1.",
    },
    DemoLocation {
        slug: "northside-family-health",
        name: "Northside Family Health",
        street: "455 Oak Avenue",
        city: "Riverbend",
        region: "IL",
        postal_code: "61204",
        phone: "(555) 010-2200",
        hours: ["8:00-12:00, 13:00-17:00", "8:00-12:00, 13:00-17:00", "8:00-12:00, 13:00-19:00", "8:00-12:00, 13:00-17:00", "8:00-12:00, 13:00-17:00", "", ""],
        note_en: "On bus routes 3 and 11. Closed for lunch from noon to 1 pm.",
        note_es: "En las rutas de autobús 3 y 11. Cerrado para el almuerzo de 12:00 a 13:00.",
    },
    DemoLocation {
        slug: "eastgate-specialty-center",
        name: "Eastgate Specialty Center",
        street: "80 Eastgate Boulevard, Suite 200",
        city: "East Moline",
        region: "IL",
        postal_code: "61244",
        phone: "(555) 010-2300",
        hours: ["8:00-16:30", "8:00-16:30", "8:00-16:30", "8:00-16:30", "8:00-16:30", "", ""],
        note_en: "Bring your referral letter if your plan needs one.",
        note_es: "Traiga su carta de referencia si su plan la exige.",
    },
    DemoLocation {
        slug: "lakeview-womens-childrens",
        name: "Lakeview Women's and Children's Clinic",
        street: "2710 Lakeview Drive",
        city: "Bettendorf",
        region: "IA",
        postal_code: "52722",
        phone: "(555) 010-2400",
        hours: ["8:00-17:00", "8:00-17:00", "8:00-17:00", "8:00-17:00", "8:00-17:00", "9:00-13:00", ""],
        note_en: "Family restrooms and a nursing room are next to the waiting area.",
        note_es: "Hay baños familiares y una sala de lactancia junto a la sala de espera.",
    },
    DemoLocation {
        slug: "westfield-primary-urgent-care",
        name: "Westfield Primary and Urgent Care",
        street: "19 Westfield Plaza",
        city: "Davenport",
        region: "IA",
        postal_code: "52804",
        phone: "(555) 010-2500",
        hours: ["8:00-20:00", "8:00-20:00", "8:00-20:00", "8:00-20:00", "8:00-20:00", "9:00-17:00", "9:00-17:00"],
        note_en: "Walk-ins welcome for minor illness and injury; call ahead to shorten your wait.",
        note_es: "Se atiende sin cita por enfermedades y lesiones leves; llame antes para esperar menos.",
    },
];

/// A kind of clinician: specialty, credentials, visit types, where they practise (location
/// indexes), and a bio's middle in both languages.
struct Practice {
    specialty: &'static str,
    credentials: &'static [&'static str],
    visit_types: &'static [&'static str],
    locations: &'static [usize],
    focus_en: &'static str,
    focus_es: &'static str,
}

const PRIMARY: &[&str] = &[
    "new-patient",
    "follow-up",
    "annual-physical",
    "video-visit",
    "same-day",
];
const SPECIALIST: &[&str] = &["new-patient", "follow-up", "video-visit"];
const THERAPY: &[&str] = &["new-patient", "follow-up"];

const PRACTICES: &[Practice] = &[
    Practice { specialty: "family-medicine", credentials: &["MD", "DO", "FNP-C"], visit_types: PRIMARY, locations: &[0, 1, 4],
        focus_en: "cares for whole families, from newborns to grandparents, with a focus on prevention and long-term conditions",
        focus_es: "atiende a familias enteras, desde recién nacidos hasta abuelos, con énfasis en la prevención y las enfermedades crónicas" },
    Practice { specialty: "internal-medicine", credentials: &["MD", "DO"], visit_types: PRIMARY, locations: &[0, 1],
        focus_en: "looks after adults with several health conditions at once, such as diabetes, high blood pressure and heart disease",
        focus_es: "atiende a adultos con varias enfermedades a la vez, como diabetes, presión alta y enfermedades del corazón" },
    Practice { specialty: "pediatrics", credentials: &["MD", "DO", "CPNP"], visit_types: PRIMARY, locations: &[3, 1],
        focus_en: "cares for children and teenagers, from well-child visits and vaccines to asthma and ADHD",
        focus_es: "atiende a niños y adolescentes, desde controles y vacunas hasta asma y TDAH" },
    Practice { specialty: "obstetrics-gynecology", credentials: &["MD", "CNM"], visit_types: SPECIALIST, locations: &[3],
        focus_en: "supports women through pregnancy, birth and every stage of life, including contraception and menopause",
        focus_es: "acompaña a las mujeres en el embarazo, el parto y cada etapa de la vida, incluidas la anticoncepción y la menopausia" },
    Practice { specialty: "cardiology", credentials: &["MD"], visit_types: SPECIALIST, locations: &[2, 0],
        focus_en: "treats heart rhythm problems, heart failure and high cholesterol, and helps patients recover after a heart attack",
        focus_es: "trata problemas del ritmo cardíaco, insuficiencia cardíaca y colesterol alto, y ayuda a recuperarse tras un infarto" },
    Practice { specialty: "endocrinology", credentials: &["MD"], visit_types: SPECIALIST, locations: &[2],
        focus_en: "helps people manage diabetes, thyroid disease and other hormone conditions",
        focus_es: "ayuda a controlar la diabetes, las enfermedades de la tiroides y otros trastornos hormonales" },
    Practice { specialty: "dermatology", credentials: &["MD", "PA-C"], visit_types: SPECIALIST, locations: &[2],
        focus_en: "treats skin conditions such as eczema, psoriasis and acne, and checks moles for skin cancer",
        focus_es: "trata enfermedades de la piel como eccema, psoriasis y acné, y revisa lunares para detectar cáncer de piel" },
    Practice { specialty: "orthopedics", credentials: &["MD", "DO"], visit_types: SPECIALIST, locations: &[2, 4],
        focus_en: "treats joint pain, sports injuries and fractures, and cares for patients before and after joint replacement",
        focus_es: "trata el dolor articular, las lesiones deportivas y las fracturas, y acompaña antes y después de un reemplazo articular" },
    Practice { specialty: "behavioral-health", credentials: &["LCSW", "PhD"], visit_types: SPECIALIST, locations: &[0, 1],
        focus_en: "offers counseling for anxiety, depression, grief and stress, in person or by video",
        focus_es: "ofrece consejería para la ansiedad, la depresión, el duelo y el estrés, en persona o por video" },
    Practice { specialty: "psychiatry", credentials: &["MD", "PMHNP-BC"], visit_types: SPECIALIST, locations: &[0],
        focus_en: "diagnoses and treats mental health conditions, including medication management",
        focus_es: "diagnostica y trata trastornos de salud mental, incluido el manejo de medicamentos" },
    Practice { specialty: "physical-therapy", credentials: &["DPT"], visit_types: THERAPY, locations: &[4, 2],
        focus_en: "helps patients regain strength and movement after injury or surgery",
        focus_es: "ayuda a recuperar la fuerza y el movimiento después de una lesión o una cirugía" },
    Practice { specialty: "nutrition", credentials: &["RD"], visit_types: SPECIALIST, locations: &[0, 3],
        focus_en: "works with patients on eating plans for diabetes, heart health and healthy weight",
        focus_es: "trabaja con los pacientes en planes de alimentación para la diabetes, la salud del corazón y un peso saludable" },
    Practice { specialty: "gastroenterology", credentials: &["MD"], visit_types: SPECIALIST, locations: &[2],
        focus_en: "treats digestive conditions such as reflux and inflammatory bowel disease, and performs colon cancer screening",
        focus_es: "trata enfermedades digestivas como el reflujo y la enfermedad inflamatoria intestinal, y realiza detección de cáncer de colon" },
    Practice { specialty: "pulmonology", credentials: &["MD"], visit_types: SPECIALIST, locations: &[2],
        focus_en: "cares for people with asthma, COPD and sleep apnea",
        focus_es: "atiende a personas con asma, EPOC y apnea del sueño" },
    Practice { specialty: "geriatrics", credentials: &["MD"], visit_types: PRIMARY, locations: &[0],
        focus_en: "cares for older adults, helping them stay independent and manage many medicines safely",
        focus_es: "atiende a adultos mayores, ayudándoles a mantener su independencia y a tomar muchos medicamentos con seguridad" },
];

/// (given name, family name, extra language) — the directory's people.
const PEOPLE: [(&str, &str, &str); 44] = [
    ("Ana María", "López", "es"),
    ("James", "Okafor", ""),
    ("Mei", "Chen", "zh"),
    ("Robert", "Hughes", ""),
    ("Sofía", "Ramírez", "es"),
    ("David", "Nguyen", "vi"),
    ("Laura", "Bennett", ""),
    ("Carlos", "Mendoza", "es"),
    ("Priya", "Raman", "hi"),
    ("Thomas", "Keller", "de"),
    ("Fatima", "Haddad", "ar"),
    ("Michael", "O'Brien", ""),
    ("Elena", "Vasquez", "es"),
    ("Samuel", "Adeyemi", ""),
    ("Hannah", "Schultz", ""),
    ("Jorge", "Castillo", "es"),
    ("Grace", "Park", "ko"),
    ("William", "Turner", ""),
    ("Lucía", "Fernández", "es"),
    ("Ahmed", "Siddiqui", "ur"),
    ("Emily", "Larsen", ""),
    ("Daniel", "Kowalski", "pl"),
    ("Isabel", "Cruz", "es"),
    ("Kevin", "Tran", "vi"),
    ("Rachel", "Goldberg", ""),
    ("Marcus", "Johnson", "ase"),
    ("Natalia", "Ivanova", "ru"),
    ("Anthony", "Russo", "it"),
    ("Claire", "Dubois", "fr"),
    ("Miguel", "Herrera", "es"),
    ("Olivia", "Grant", ""),
    ("Hiro", "Tanaka", "ja"),
    ("Teresa", "Morales", "es"),
    ("Benjamin", "Walsh", ""),
    ("Amara", "Diallo", "fr"),
    ("Paulo", "Santos", "pt"),
    ("Katherine", "Reyes", "es"),
    ("Jean", "Baptiste", "ht"),
    ("Nora", "Lindqvist", ""),
    ("Omar", "Farah", "so"),
    ("Rosa", "Gutiérrez", "es"),
    ("Ethan", "Brooks", ""),
    ("Leila", "Karimi", "fa"),
    ("Andrew", "Mitchell", ""),
];

fn slug(text: &str) -> String {
    app::library::slugify(text)
}

/// Adds the demo locations and clinicians that are not there yet; returns how many clinicians
/// it added.
/// Each location's name and one-line address, as the price catalogue names where it applies.
pub fn location_addresses() -> Vec<(String, String)> {
    LOCATIONS
        .iter()
        .map(|l| {
            let address = format!("{}, {}, {} {}", l.street, l.city, l.region, l.postal_code);
            (l.name.to_string(), address)
        })
        .collect()
}

pub async fn load(pool: &PgPool) -> anyhow::Result<u64> {
    use app::directory::{check_clinician, check_location, db, ClinicianForm, LocationForm};
    // Through the same checks and writes as the administrators' forms.
    let mut tx = pool.begin().await?;
    let mut location_ids = Vec::new();
    for l in &LOCATIONS {
        let existing = sqlx::query_scalar!(
            "select location_id from care_location where slug = $1",
            l.slug
        )
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = existing {
            location_ids.push(id);
            continue;
        }
        let form = LocationForm {
            name: l.name.into(),
            slug: l.slug.into(),
            street: l.street.into(),
            city: l.city.into(),
            region: l.region.into(),
            postal_code: l.postal_code.into(),
            phone: l.phone.into(),
            time_zone: "America/Chicago".into(),
            hours: l.hours.map(String::from),
            note_en: l.note_en.into(),
            note_es: l.note_es.into(),
            listed: true,
        };
        let checked = check_location(&form)
            .map_err(|e| anyhow::anyhow!("demo location {}: {e:?}", l.slug))?;
        let id = Uuid::new_v4();
        db::upsert_location(&mut tx, id, true, &checked).await?;
        location_ids.push(id);
    }
    let mut added = 0;
    // Practices in turn, and each practice's credentials in turn.
    for ((i, (given, family, extra)), practice) in
        PEOPLE.iter().enumerate().zip(PRACTICES.iter().cycle())
    {
        let credentials = practice
            .credentials
            .iter()
            .cycle()
            .nth(i / PRACTICES.len())
            .copied()
            .unwrap_or("MD");
        let doctor = matches!(credentials, "MD" | "DO" | "PhD" | "DPT");
        let name = format!("{given} {family}");
        let called = if doctor {
            format!("Dr. {family}")
        } else {
            name.clone()
        };
        let years = 4 + (i * 7) % 23;
        // Joined within their years in practice.
        let joined = 2026 - (i * 3) % years;
        let bio_en = format!(
            "{called} {}. {} years in practice; joined Riverbend Health in {}.",
            practice.focus_en, years, joined
        );
        // Clinicians whose own language is Spanish wrote a Spanish bio too (the list is ordered
        // so that even positions are women).
        let bio_es = if *extra != "es" {
            String::new()
        } else {
            let called_es = match (doctor, i % 2) {
                (true, 0) => format!("La Dra. {family}"),
                (true, _) => format!("El Dr. {family}"),
                (false, _) => name.clone(),
            };
            format!(
                "{called_es} {}. {} años de experiencia; se unió a Riverbend Health en {}.",
                practice.focus_es, years, joined
            )
        };
        let mut languages = vec!["en".to_string()];
        if !extra.is_empty() {
            languages.push(extra.to_string());
        }
        // A fifth of clinicians also speak Spanish through long practice here.
        if i % 5 == 2 && !languages.iter().any(|l| l == "es") {
            languages.push("es".to_string());
        }
        let slug = slug(&name);
        let taken = sqlx::query_scalar!("select clinician_id from clinician where slug = $1", slug)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            continue;
        }
        let mut specialties = vec![practice.specialty.to_string()];
        if practice.specialty == "family-medicine" && i % 3 == 0 {
            specialties.push("geriatrics".to_string());
        }
        // Most practise at their practice's first location; every other one also at the next.
        let places: Vec<Uuid> = practice
            .locations
            .iter()
            .take(if i % 2 == 0 { 2 } else { 1 })
            .filter_map(|&k| location_ids.get(k).copied())
            .collect();
        let form = ClinicianForm {
            name: name.clone(),
            slug,
            credentials: credentials.into(),
            bio_en,
            bio_es,
            languages,
            specialties,
            locations: places.iter().map(Uuid::to_string).collect(),
            visit_types: practice
                .visit_types
                .iter()
                .filter(|v| **v != "video-visit" || i % 3 != 1)
                .map(|v| v.to_string())
                .collect(),
            accepting_new_patients: i % 4 != 3,
            listed: true,
        };
        let checked =
            check_clinician(&form).map_err(|e| anyhow::anyhow!("demo clinician {name}: {e:?}"))?;
        db::upsert_clinician(&mut tx, Uuid::new_v4(), true, &checked, &places).await?;
        added += 1;
    }
    tx.commit().await?;
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[sqlx::test(migrator = "app::db::MIGRATOR")]
    async fn the_directory_has_forty_clinicians_at_five_locations_and_loads_once(
        pool: PgPool,
    ) -> anyhow::Result<()> {
        assert_eq!(load(&pool).await?, 44);
        assert_eq!(load(&pool).await?, 0);
        let (clinicians, locations, spanish, accepting) =
            sqlx::query_as::<_, (i64, i64, i64, i64)>(
                "select (select count(*) from clinician where listed),
                    (select count(*) from care_location where listed),
                    (select count(*) from clinician where 'es' = any(languages)),
                    (select count(*) from clinician where accepting_new_patients)",
            )
            .fetch_one(&pool)
            .await?;
        assert!(clinicians >= 40 && locations == 5);
        assert!(spanish >= 10 && accepting > clinicians / 2 && accepting < clinicians);
        let every_one_placed: bool = sqlx::query_scalar(
            "select bool_and(exists (select 1 from clinician_location cl where cl.clinician_id = c.clinician_id)
                         and exists (select 1 from clinician_specialty cs where cs.clinician_id = c.clinician_id))
             from clinician c",
        )
        .fetch_one(&pool)
        .await?;
        assert!(every_one_placed);
        Ok(())
    }
}
