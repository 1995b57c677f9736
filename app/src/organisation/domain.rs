use serde::{Deserialize, Serialize};

/// The product's name, used wherever no organisation has been configured.
pub const PRODUCT_NAME: &str = "Openwell";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub name: String,
    /// Main phone line as patients dial it, e.g. "(555) 010-2000".
    pub phone: Option<String>,
}

impl Organisation {
    /// What pages show before an organisation has been set up.
    pub fn unconfigured() -> Self {
        Self {
            name: PRODUCT_NAME.to_string(),
            phone: None,
        }
    }

    /// `tel:` link target: digits and a leading `+` only.
    pub fn phone_href(&self) -> Option<String> {
        let phone = self.phone.as_deref()?;
        let digits: String = phone
            .chars()
            .enumerate()
            .filter(|(i, c)| c.is_ascii_digit() || (*i == 0 && *c == '+'))
            .map(|(_, c)| c)
            .collect();
        (!digits.is_empty()).then(|| format!("tel:{digits}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_links_keep_only_what_a_dialler_understands() {
        let org = Organisation {
            name: "Riverbend Health".into(),
            phone: Some("(555) 010-2000".into()),
        };
        assert_eq!(org.phone_href().as_deref(), Some("tel:5550102000"));
        let intl = Organisation {
            phone: Some("+1 555 010 2000".into()),
            ..org
        };
        assert_eq!(intl.phone_href().as_deref(), Some("tel:+15550102000"));
        assert_eq!(Organisation::unconfigured().phone_href(), None);
    }
}
