//! A person-readable name for the device behind a user agent ("Firefox on Android"), so people
//! can recognise their own sessions. Order matters: most browsers claim to be several others.

const BROWSERS: &[(&str, &str)] = &[
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
];

const SYSTEMS: &[(&str, &str)] = &[
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
];

/// (browser, system), when both can be told.
pub fn describe(user_agent: &str) -> Option<(String, String)> {
    let browser = BROWSERS.iter().find(|(m, _)| user_agent.contains(m))?.1;
    let system = SYSTEMS.iter().find(|(m, _)| user_agent.contains(m))?.1;
    Some((browser.to_string(), system.to_string()))
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn common_devices_get_their_everyday_names() {
        let cases = [
            ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36", ("Chrome", "Android")),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", ("Safari", "iPhone")),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0", ("Edge", "Windows")),
            ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", ("Firefox", "Linux")),
        ];
        for (ua, (browser, system)) in cases {
            assert_eq!(
                describe(ua),
                Some((browser.to_string(), system.to_string())),
                "{ua}"
            );
        }
        assert_eq!(describe("curl/8.5.0"), None);
    }
}
