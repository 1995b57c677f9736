//! Reading a trend chart by touch or pointer. The chart is drawn on the server, and its values
//! are in the table under it (which is what keyboards and screen readers use); the server also
//! draws an invisible layer over the chart's points, each carrying its words, and a readout
//! line, both hidden. This island, once hydrated, shows them and answers taps and hovers — the
//! work is done by `trend.js`, and the island takes no props, so it adds almost nothing to the
//! WASM. Without JavaScript the layer and readout stay hidden: the page never offers what it
//! cannot do. One chart per page (the trend page).

use leptos::prelude::*;

/// The ids the server gives the layer, the readout and the mark.
pub const LAYER_ID: &str = "trend-touch";
pub const READOUT_ID: &str = "trend-readout";
pub const MARK_ID: &str = "trend-mark";

#[island]
pub fn TrendTouch() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(|_| browser::start_trend(LAYER_ID, READOUT_ID, MARK_ID));
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(module = "/src/records/trend.js")]
    extern "C" {
        #[wasm_bindgen(js_name = startTrend)]
        pub fn start_trend(layer_id: &str, readout_id: &str, mark_id: &str);
    }
}
