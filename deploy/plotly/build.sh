#!/bin/sh
# Rebuilds static/plotly-dashboard.min.js (committed: running the dashboard needs no Node).
# Run after changing entry.js or the versions in package.json:  sh deploy/plotly/build.sh
set -e
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
npx esbuild entry.js --bundle --minify --format=iife --global-name=DashboardPlotly \
    --legal-comments=eof --define:global=window \
    --outfile=../../static/plotly-dashboard.min.js
# esbuild also writes the CSS of a map library that the core imports and these traces never use.
rm -f ../../static/plotly-dashboard.min.css
