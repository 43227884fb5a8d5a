// The HUD beside the playfield: the scheduler's figures for the frame, and a graph of the last
// frames' times. Every figure has an element with a stable id (the browser test reads them).

const GRAPH_FRAMES = 150;
const GRAPH_TOP_MS = 50;
const BUDGET_MS = 1000 / 60;

const integer = (n) => Math.round(n).toLocaleString('en-US');
const millis = (n) => n.toFixed(2);

// Element id -> how to show it from the frame's numbers.
const FIELDS = {
  'frame': (h) => integer(h.frame),
  'live-fibers': (h) => integer(h.liveFibers),
  'peak-live-fibers': (h) => integer(h.peakLiveFibers),
  'spawns-per-second': (h) => integer(h.spawnsPerSecond),
  'switches-per-frame': (h) => integer(h.switchesPerFrame),
  'scheduler-ms': (h) => millis(h.schedulerMs),
  'frame-ms': (h) => millis(h.frameMs),
  'draw-ms': (h) => millis(h.drawMs),
  'engine-stacks-live': (h) => integer(h.engineStacksLive),
  'engine-stacks-parked': (h) => integer(h.engineStacksParked),
  'bullets': (h) => `${integer(h.bullets)} of ${integer(h.bulletCapacity)}`,
  'phase': (h) => h.phase || 'bullet clear',
  'player-hits': (h) => integer(h.playerHits),
};

export class Hud {
  constructor(doc) {
    this.elements = Object.fromEntries(Object.keys(FIELDS).map((id) => [id, doc.getElementById(id)]));
    this.graph = doc.getElementById('frame-graph').getContext('2d');
    this.frameMs = new Float64Array(GRAPH_FRAMES);
    this.schedulerMs = new Float64Array(GRAPH_FRAMES);
    this.next = 0;
  }

  update(hud) {
    for (const [id, show] of Object.entries(FIELDS)) {
      const text = show(hud);
      const element = this.elements[id];
      if (element.textContent !== text) element.textContent = text;
    }
    this.frameMs[this.next] = hud.frameMs;
    this.schedulerMs[this.next] = hud.schedulerMs;
    this.next = (this.next + 1) % GRAPH_FRAMES;
    this.drawGraph();
  }

  drawGraph() {
    const g = this.graph;
    const { width, height } = g.canvas;
    const barWidth = width / GRAPH_FRAMES;
    const y = (ms) => height - Math.min(ms, GRAPH_TOP_MS) / GRAPH_TOP_MS * height;
    g.fillStyle = '#090a12';
    g.fillRect(0, 0, width, height);
    for (let i = 0; i < GRAPH_FRAMES; i++) {
      const at = (this.next + i) % GRAPH_FRAMES;  // oldest on the left
      const x = i * barWidth;
      g.fillStyle = '#5b6075';
      g.fillRect(x, y(this.frameMs[at]), barWidth, height - y(this.frameMs[at]));
      g.fillStyle = '#58e08a';
      g.fillRect(x, y(this.schedulerMs[at]), barWidth, height - y(this.schedulerMs[at]));
    }
    g.strokeStyle = '#ff6b8b';
    g.beginPath();
    g.moveTo(0, y(BUDGET_MS));
    g.lineTo(width, y(BUDGET_MS));
    g.stroke();
  }
}
