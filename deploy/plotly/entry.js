// The dashboard's plotly.js: the core (scatter) and only the trace types its charts draw.
// Streamlit's own chart element carries the whole of plotly.js (4.8 MB, about 1.2 s of a new
// tab's main thread on 2 cores); this is 1.4 MB and about 0.2 s (docs/shared-path.md).
// A chart of another type draws nothing here: pages/common/chart_view.py refuses it first.
var Plotly = require('plotly.js/lib/core');
Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/histogram'),
    require('plotly.js/lib/choropleth'),
]);
module.exports = Plotly;
