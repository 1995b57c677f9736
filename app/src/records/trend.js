// Reads a trend chart's points out by touch or pointer. The server drew the chart, the
// invisible layer over its points (each with its words in data-text) and the readout line;
// this only shows the layer and the readout, and moves the mark to the point touched.
export function startTrend(layerId, readoutId, markId) {
  const layer = document.getElementById(layerId);
  const readout = document.getElementById(readoutId);
  const mark = document.getElementById(markId);
  if (!layer || !readout || !mark) return;
  const hint = readout.textContent;
  const line = mark.querySelector('line');
  const ring = mark.querySelector('circle');
  const show = (point) => {
    const x = point.getAttribute('cx');
    line.setAttribute('x1', x);
    line.setAttribute('x2', x);
    ring.setAttribute('cx', x);
    ring.setAttribute('cy', point.getAttribute('cy'));
    mark.classList.add('trend__mark--on');
    readout.textContent = point.dataset.text;
  };
  for (const point of layer.querySelectorAll('[data-point]')) {
    point.addEventListener('pointerenter', () => show(point));
    point.addEventListener('pointerdown', () => show(point));
  }
  layer.addEventListener('pointerleave', () => {
    mark.classList.remove('trend__mark--on');
    readout.textContent = hint;
  });
  layer.classList.add('trend__overlay--on');
  readout.hidden = false;
}
