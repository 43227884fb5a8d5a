// Draws one frame of the playfield. The bullets come straight from the wasm heap: one record of
// floats per slot (x, y, radius, colour; radius 0 = a free slot), written by the bullet fibers
// themselves. Each bullet is one drawImage of a sprite made once per colour and size: a blit is
// far cheaper than filling a path per bullet, above all without a GPU.

// In the order of BulletColor in bullet_pool.h.
const PALETTE = ['#ff4d5e', '#ff9a3c', '#ffe14d', '#5dff8a', '#4de8ff', '#5b7bff', '#c46bff', '#9fd8ff'];
const PLAYER_SHOT = 7;
const BACKGROUND = '#0a0b18';

// A bullet as a bitmap: a coloured disc with a white core, centred in a square canvas.
function makeSprite(colour, radius) {
  const size = Math.ceil(radius * 2) + 2;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext('2d');
  const centre = size / 2;
  ctx.fillStyle = colour;
  ctx.beginPath();
  ctx.arc(centre, centre, radius, 0, 2 * Math.PI);
  ctx.fill();
  ctx.fillStyle = '#ffffff';
  ctx.beginPath();
  ctx.arc(centre, centre, radius * 0.5, 0, 2 * Math.PI);
  ctx.fill();
  return { canvas, offset: centre };
}

export class Renderer {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { alpha: false });
    this.sprites = new Map();  // colour * 1024 + radius * 8 -> sprite
  }

  sprite(colour, radius) {
    const key = colour * 1024 + Math.round(radius * 8);
    let sprite = this.sprites.get(key);
    if (!sprite) {
      sprite = makeSprite(PALETTE[colour], radius);
      this.sprites.set(key, sprite);
    }
    return sprite;
  }

  // `records`: a Float32Array view of the pool; `hud`: the frame's numbers (see page_bridge.cpp).
  draw(records, floatsPerSlot, hud) {
    const ctx = this.ctx;
    ctx.fillStyle = BACKGROUND;
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.drawBoss(hud);
    this.drawPlayer(hud.player);
    // Player shots under the enemy bullets: the bullets are what the player must see.
    this.drawBullets(records, floatsPerSlot, (colour) => colour === PLAYER_SHOT);
    this.drawBullets(records, floatsPerSlot, (colour) => colour !== PLAYER_SHOT);
    this.drawCaptions(hud);
  }

  drawBullets(records, floatsPerSlot, wanted) {
    const ctx = this.ctx;
    let lastKey = -1, sprite = null;
    for (let at = 0; at < records.length; at += floatsPerSlot) {
      const radius = records[at + 2];
      if (radius === 0) continue;  // a free slot
      const colour = records[at + 3];
      if (!wanted(colour)) continue;
      const key = colour * 1024 + radius;
      if (key !== lastKey) {  // neighbouring slots are mostly bullets of one volley
        sprite = this.sprite(colour, radius);
        lastKey = key;
      }
      // Whole pixels: a blit without resampling.
      ctx.drawImage(sprite.canvas, Math.round(records[at] - sprite.offset), Math.round(records[at + 1] - sprite.offset));
    }
  }

  drawBoss(hud) {
    const ctx = this.ctx;
    const { x, y } = hud.boss;
    ctx.strokeStyle = '#ff6bd5';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(x, y, 40 + 4 * Math.sin(hud.frame * 0.1), 0, 2 * Math.PI);
    ctx.stroke();
    ctx.fillStyle = '#f0c6ff';
    ctx.beginPath();
    ctx.arc(x, y, 20, 0, 2 * Math.PI);
    ctx.fill();
    // Health bar along the top.
    const fraction = hud.bossMaxHealth > 0 ? Math.max(0, hud.bossHealth) / hud.bossMaxHealth : 0;
    ctx.fillStyle = '#2a2d44';
    ctx.fillRect(20, 10, this.canvas.width - 40, 6);
    ctx.fillStyle = '#ff6bd5';
    ctx.fillRect(20, 10, (this.canvas.width - 40) * fraction, 6);
  }

  drawPlayer(player) {
    const ctx = this.ctx;
    ctx.fillStyle = '#e8f4ff';
    ctx.beginPath();
    ctx.moveTo(player.x, player.y - 14);
    ctx.lineTo(player.x - 10, player.y + 10);
    ctx.lineTo(player.x + 10, player.y + 10);
    ctx.closePath();
    ctx.fill();
    ctx.fillStyle = '#ff2040';  // the hitbox: only this dot can be hit
    ctx.beginPath();
    ctx.arc(player.x, player.y, 4, 0, 2 * Math.PI);
    ctx.fill();
  }

  drawCaptions(hud) {
    const ctx = this.ctx;
    ctx.fillStyle = '#c8cce0';
    ctx.font = '14px system-ui, sans-serif';
    ctx.textAlign = 'left';
    ctx.fillText(hud.phase || 'Bullet clear', 20, 36);
    ctx.textAlign = 'right';
    ctx.fillText(`${hud.liveFibers.toLocaleString('en-US')} fibers`, this.canvas.width - 20, 36);
    if (hud.paused) {
      ctx.font = 'bold 32px system-ui, sans-serif';
      ctx.textAlign = 'center';
      ctx.fillText('PAUSED', this.canvas.width / 2, this.canvas.height / 2);
    }
  }
}
