// Supervisors' dashboard: draw each chart from its data-chart JSON (charts.js); the table below
// each chart holds the same numbers, so a page without scripts loses nothing.
document.addEventListener('DOMContentLoaded', () => {
  if (!window.ParcoursCharts) {
    return;
  }
  const locale = document.documentElement.lang || 'fr';
  document.querySelectorAll('canvas.dashboard-chart').forEach((canvas) => {
    const chart = JSON.parse(canvas.dataset.chart);
    new window.ParcoursCharts.Chart(canvas, {
      type: canvas.dataset.kind || 'bar',
      data: { labels: chart.labels, datasets: [{ label: chart.label, data: chart.values }] },
      options: { locale, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } },
    });
  });
});
