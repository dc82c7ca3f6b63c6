// Supervisors' dashboard: draw each chart from its data-chart JSON (charts.js); the table below
// each chart holds the same numbers, so a page without scripts loses nothing.
//
// Each chart fills its box (.chart-box, at least 220 px high: maintainAspectRatio off), so it keeps a
// readable size whatever the column's width. Long labels are broken into lines instead of being cut;
// the exits by outcome (data-horizontal) are drawn as horizontal bars, their box growing with the
// number of outcomes, so that each outcome's label is read in full on the left.
(function () {
  'use strict';

  const MIN_HEIGHT = 220;
  const ROW_HEIGHT = 30;

  /** `text` as lines of about `width` characters, broken between words. */
  function lines(text, width) {
    const result = [];
    let line = '';
    String(text).split(/\s+/).forEach((word) => {
      if (line && line.length + 1 + word.length > width) {
        result.push(line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    });
    if (line) {
      result.push(line);
    }
    return result.length > 1 ? result : result[0] || '';
  }

  function draw(canvas, locale) {
    const chart = JSON.parse(canvas.dataset.chart);
    const horizontal = canvas.dataset.horizontal === 'true';
    const box = canvas.parentElement;
    if (horizontal) {
      box.style.height = `${Math.max(MIN_HEIGHT, chart.labels.length * ROW_HEIGHT + 60)}px`;
    }
    const labels = chart.labels.map((label) => lines(label, horizontal ? 28 : 16));
    const category = { ticks: { autoSkip: false, maxRotation: 0, font: { size: 11 } } };
    const value = { beginAtZero: true, ticks: { precision: 0 } };
    return new window.ParcoursCharts.Chart(canvas, {
      type: canvas.dataset.kind || 'bar',
      data: { labels, datasets: [{ label: chart.label, data: chart.values }] },
      options: {
        locale,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: horizontal ? 'y' : 'x',
        plugins: { legend: { display: false } },
        scales: horizontal ? { x: value, y: category } : { x: category, y: value },
      },
    });
  }

  document.addEventListener('DOMContentLoaded', () => {
    if (!window.ParcoursCharts) {
      return;
    }
    const locale = document.documentElement.lang || 'fr';
    document.querySelectorAll('canvas.dashboard-chart').forEach((canvas) => draw(canvas, locale));
  });
})();
