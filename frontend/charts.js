/**
 * Chart.js for the dashboards, with every chart type and component registered
 * (chart.js/auto). Bundled to static/dist/charts.js; sets `window.ParcoursCharts.Chart`:
 *
 *   new ParcoursCharts.Chart(canvas, { type: 'bar', data, options });
 *
 * French number and date formats come from the page's locale: pass `options.locale`.
 */

import Chart from 'chart.js/auto';

window.ParcoursCharts = { Chart };
