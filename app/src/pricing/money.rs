//! Money as integer cents: parsed exactly from the decimal text of a file or a form, and shown
//! in the reader's language. Never a floating-point amount.

/// Why an amount was not accepted (the words are locale keys' suffixes and import problems).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoneyProblem {
    /// Not a number of dollars and cents ("12.5x", "", "1e3").
    NotMoney,
    /// More than two decimal places: the catalogue keeps whole cents.
    SubCent,
    /// Zero or less where an amount must be positive.
    NotPositive,
    /// More than a trillion dollars: not a price.
    TooLarge,
}

impl MoneyProblem {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotMoney => "not_money",
            Self::SubCent => "sub_cent",
            Self::NotPositive => "not_positive",
            Self::TooLarge => "too_large",
        }
    }
}

/// The largest amount the catalogue holds, in cents (a trillion dollars).
const MAX_CENTS: i64 = 100_000_000_000_000;

/// Parses "1200", "1,080.50", "$45.5" or "0.75" into cents. Thousands separators and a leading
/// dollar sign are accepted because spreadsheets add them; anything else is refused, as is a
/// fraction of a cent (rounding it would change a published price).
pub fn parse_cents(text: &str) -> Result<i64, MoneyProblem> {
    let t = text.trim();
    let t = t.strip_prefix('$').unwrap_or(t).trim();
    let negative = t.starts_with('-');
    let t = t.strip_prefix('-').unwrap_or(t);
    let (whole, fraction) = t.split_once('.').unwrap_or((t, ""));
    let whole: String = whole.chars().filter(|c| *c != ',').collect();
    if whole.is_empty() && fraction.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
    {
        return Err(MoneyProblem::NotMoney);
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > 2 {
        return Err(MoneyProblem::SubCent);
    }
    let whole = whole.trim_start_matches('0');
    if whole.len() > 13 {
        return Err(MoneyProblem::TooLarge);
    }
    let dollars: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| MoneyProblem::NotMoney)?
    };
    let cents: i64 = format!("{fraction:0<2}")
        .parse()
        .map_err(|_| MoneyProblem::NotMoney)?;
    let total = dollars * 100 + cents;
    if total > MAX_CENTS {
        return Err(MoneyProblem::TooLarge);
    }
    if negative || total == 0 {
        return Err(MoneyProblem::NotPositive);
    }
    Ok(total)
}

/// Cents as the plain decimal a machine-readable file carries: "1200", "0.75", "23123.46".
pub fn decimal_text(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    match c % 100 {
        0 => format!("{sign}{}", c / 100),
        r if r % 10 == 0 => format!("{sign}{}.{}", c / 100, r / 10),
        r => format!("{sign}{}.{r:02}", c / 100),
    }
}

/// "$1,080.00" in English and in Spanish: the portal's Spanish is the United States' (es-US
/// writes dollars as en-US does: `$` first, comma for thousands, point for cents).
pub fn format_usd(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    let whole = (c / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}${grouped}.{:02}", c % 100)
}

/// A percentage as the reader writes it: "80%" in English, "80 %" in Spanish.
pub fn format_percent(language: &str, value: &str) -> String {
    if language == "es" {
        format!("{value}\u{a0}%")
    } else {
        format!("{value}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_are_read_exactly_to_the_cent() {
        assert_eq!(parse_cents("1200"), Ok(120_000));
        assert_eq!(parse_cents("1,080.50"), Ok(108_050));
        assert_eq!(parse_cents(" $45.5 "), Ok(4_550));
        assert_eq!(parse_cents("0.75"), Ok(75));
        assert_eq!(parse_cents(".75"), Ok(75));
        assert_eq!(parse_cents("23123.460"), Ok(2_312_346));
        assert_eq!(parse_cents("0.755"), Err(MoneyProblem::SubCent));
        assert_eq!(parse_cents("0"), Err(MoneyProblem::NotPositive));
        assert_eq!(parse_cents("-5"), Err(MoneyProblem::NotPositive));
        assert_eq!(parse_cents("12.5x"), Err(MoneyProblem::NotMoney));
        assert_eq!(parse_cents("1e3"), Err(MoneyProblem::NotMoney));
        assert_eq!(parse_cents(""), Err(MoneyProblem::NotMoney));
        assert_eq!(parse_cents("."), Err(MoneyProblem::NotMoney));
        assert_eq!(
            parse_cents("99999999999999999999"),
            Err(MoneyProblem::TooLarge)
        );
    }

    #[test]
    fn amounts_are_written_as_people_read_them() {
        assert_eq!(format_usd(108_000), "$1,080.00");
        assert_eq!(format_usd(75), "$0.75");
        assert_eq!(format_usd(123_456_789), "$1,234,567.89");
        assert_eq!(format_usd(-1_000), "-$10.00");
        assert_eq!(decimal_text(120_000), "1200");
        assert_eq!(decimal_text(75), "0.75");
        assert_eq!(decimal_text(450), "4.5");
        assert_eq!(format_percent("es", "80"), "80\u{a0}%");
        assert_eq!(format_percent("en", "62.5"), "62.5%");
    }

    proptest! {
        #[test]
        fn what_is_written_reads_back_the_same(cents in 1i64..MAX_CENTS) {
            prop_assert_eq!(parse_cents(&decimal_text(cents)), Ok(cents));
            prop_assert_eq!(parse_cents(&format_usd(cents)), Ok(cents));
        }
    }
}
